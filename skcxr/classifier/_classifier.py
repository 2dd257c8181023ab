"""CXRClassifier: a Keras CNN as a scikit-learn classifier (scikeras subclass)."""

import inspect
import numbers
from collections import defaultdict
from pathlib import Path

import numpy as np
from scikeras._utils import route_params
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils import ClassifierTags

from ..architectures import get_architecture
from ._augment import check_augmentation, make_augmenter, training_dataset
from ._distribute import check_distribute, clone_keeping_strategy, distribute_scope, picklable_state
from ._inputs import as_unit_float, split_validation
from ._runtime import configure_tf_threads, draw_seed, seeded

class CXRClassifier(KerasClassifier):
    """Chest X-ray CNN classifier with the scikit-learn API.

    A :class:`scikeras.wrappers.KerasClassifier` whose network comes from the
    :mod:`skcxr.architectures` registry and whose constructor exposes what
    one tunes. It is a true scikit-learn classifier (``is_classifier`` is
    True, integer ``cv`` is stratified, ``"roc_auc"`` scoring works), takes
    string labels and pickles with its trained network.

    Parameters
    ----------
    architecture : str or callable, default="five_block"
        Registered architecture name (see
        :func:`skcxr.architectures.list_architectures`) or a builder
        ``(input_shape, n_classes, **hyperparameters) -> keras.Model``.
    architecture_params : dict, default=None
        Further keyword arguments for the builder.
    fc_units : int or tuple of int, default=None
        Dense units of the head, passed to the builder when not None.
    dropout : float or tuple of float, default=None
        Dropout of the dense layers, passed to the builder when not None.
    optimizer : str, keras optimizer class or instance, default="adam"
        Instances are copied from their config for each fit.
    learning_rate : float, default=1e-3
        Learning rate given to the optimizer.
    epochs : int, default=20
        Maximum number of passes over the training data.
    batch_size : int, default=32
        Images per gradient step (and per prediction batch).
    class_weight : dict, "balanced" or None, default=None
        Class weights, turned into sample weights.
    validation_split : float, default=0.0
        Fraction of the training data held out (stratified, shuffled with
        the fit's seed) to report ``val_loss`` / ``val_accuracy`` per epoch.
    early_stopping : int or None, default=None
        Patience in epochs: stop when ``val_loss`` has not improved for that
        many epochs and keep the best weights. Needs ``validation_split > 0``.
    augmentation : None, bool or dict, default=None
        Random rotations / zooms / shifts of training batches (never at
        prediction). True uses small defaults; a dict sets ``rotation``
        (degrees), ``zoom``, ``shift`` (fractions), ``fill_mode``.
    callbacks : list of keras callbacks, default=None
        Extra callbacks for ``Model.fit``.
    random_state : int, RandomState instance or None, default=None
        Seeds weights, shuffling, dropout, augmentation and the validation
        split. Two fits with the same int give identical predictions.
    verbose : int, default=0
        Keras progress output during fit (0 silent, 1 bar, 2 line per epoch).
    distribute : None, "mirrored" or tf.distribute.Strategy, default=None
        Train on several devices under the strategy's scope; ``batch_size``
        is the global batch, split across replicas. ``"mirrored"`` (a
        ``MirroredStrategy`` over the visible GPUs, built per fit) pickles; an
        instance is kept by ``clone`` but not pickled (see "Scaling out").
    **kwargs
        scikeras routed parameters such as ``optimizer__beta_1`` or
        ``fit__validation_freq``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; columns of :meth:`predict_proba` follow this order.
    model_ : keras.Model
        The trained network (input float32 images in [0, 1]).
    history_ : dict of list
        Per-epoch ``loss``, ``accuracy`` (and ``val_loss``, ``val_accuracy``).
    input_dtype_ : numpy.dtype
        Dtype of the images seen at fit (uint8 images are divided by 255).
    random_seed_ : int
        Seed used by the last fit (reuse it as ``random_state`` to repeat it).

    Notes
    -----
    The seeding policy and the thread caps are described in
    :mod:`skcxr.classifier._runtime`. With ``n_jobs > 1`` use joblib's
    default loky backend: fork-based backends (``"multiprocessing"``, or
    ``fork`` start methods) deadlock once TensorFlow has run in the parent.
    Loky workers get one TF thread pool sized ``cpu_count // n_jobs``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcxr import CXRClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(0, 0.2, size=(40, 32, 32, 1)).astype("float32")
    >>> y = np.array(["covid", "non-covid"] * 20)
    >>> X[y == "covid", 8:24, 8:24] += 0.7
    >>> clf = CXRClassifier("small_cnn", epochs=2, batch_size=8, random_state=0)
    >>> clf.fit(X, y).predict_proba(X).shape
    (40, 2)
    >>> clf.classes_.tolist()
    ['covid', 'non-covid']
    """

    # scikeras internals read these; they are not parameters of this class.
    model = None
    build_fn = None
    warm_start = False
    loss = None

    def __init__(
        self,
        architecture="five_block",
        *,
        architecture_params=None,
        fc_units=None,
        dropout=None,
        optimizer="adam",
        learning_rate=1e-3,
        epochs=20,
        batch_size=32,
        class_weight=None,
        validation_split=0.0,
        early_stopping=None,
        augmentation=None,
        callbacks=None,
        random_state=None,
        verbose=0,
        distribute=None,
        **kwargs,
    ):
        self.architecture = architecture
        self.architecture_params = architecture_params
        self.fc_units = fc_units
        self.dropout = dropout
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.class_weight = class_weight
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.augmentation = augmentation
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.distribute = distribute
        vars(self).update(kwargs)
        if kwargs:
            self._user_params = set(kwargs)

    __repr__ = BaseEstimator.__repr__

    def _get_param_names(self):
        signature = inspect.signature(type(self).__init__).parameters.values()
        names = sorted(
            p.name
            for p in signature
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )
        routed = sorted(
            k for k in vars(self) if "__" in k and not k.startswith("_") and not k.endswith("_")
        )
        return names + routed

    def __sklearn_tags__(self):
        # scikeras 0.13 predates the Tags API: without this, is_classifier()
        # is False, cv=5 is unstratified and "roc_auc" scores nan.
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags(poor_score=True, multi_class=True)
        tags.target_tags.required = True
        tags.input_tags.two_d_array = False  # images: (n, height, width, channels)
        tags.input_tags.allow_nan = False
        tags.input_tags.positive_only = True  # images in [0, 1] or 0..255
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    def __getstate__(self):
        state = super().__getstate__()
        # Callbacks hold a reference to the model; they are rebuilt per fit.
        for key in ("_fit_callbacks", "_predict_callbacks"):
            state.pop(key, None)
        return picklable_state(state)

    def __sklearn_clone__(self):
        return clone_keeping_strategy(self)  # a Strategy instance is shared, not copied

    # ------------------------------------------------------------- checks
    def _check_params(self):
        def positive_int(name):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

        positive_int("epochs")
        positive_int("batch_size")
        if not isinstance(self.learning_rate, numbers.Real) or not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be a positive number, got {self.learning_rate!r}")
        if not isinstance(self.validation_split, numbers.Real) or not 0 <= self.validation_split < 1:
            raise ValueError(f"validation_split must lie in [0, 1), got {self.validation_split!r}")
        if self.early_stopping is not None:
            positive_int("early_stopping")
            if not self.validation_split:
                raise ValueError(
                    "early_stopping monitors val_loss: set validation_split > 0 "
                    f"(got early_stopping={self.early_stopping}, validation_split=0)"
                )
        if self.class_weight is not None and not (
            self.class_weight == "balanced" or isinstance(self.class_weight, dict)
        ):
            raise ValueError(
                f"class_weight must be None, 'balanced' or a dict, got {self.class_weight!r}"
            )
        if self.architecture_params is not None and not isinstance(self.architecture_params, dict):
            raise ValueError(
                f"architecture_params must be a dict or None, got {self.architecture_params!r}"
            )
        get_architecture(self.architecture)  # unknown names list the registered ones
        check_distribute(self.distribute)
        return check_augmentation(self.augmentation)

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        if X is not None:
            if reset:
                self.input_dtype_ = np.asarray(X).dtype
            X = as_unit_float(X)
        return super()._validate_data(X, y, reset=reset, y_numeric=y_numeric)

    # ---------------------------------------------------------- building
    def _make_optimizer(self):
        import keras

        opt = self.optimizer
        routed = route_params(self.get_params(), "optimizer", pass_filter=set(), strict=True)
        if isinstance(opt, keras.optimizers.Optimizer):
            config = {**opt.get_config(), **routed, "learning_rate": self.learning_rate}
            return type(opt).from_config(config)
        if isinstance(opt, str):
            try:
                opt = type(keras.optimizers.get(opt))
            except ValueError as exc:
                raise ValueError(f"unknown optimizer {self.optimizer!r}: {exc}") from None
        if not (isinstance(opt, type) and issubclass(opt, keras.optimizers.Optimizer)):
            raise ValueError(
                "optimizer must be a name ('adam', 'rmsprop', 'sgd', ...), a keras "
                f"optimizer class or instance, got {self.optimizer!r}"
            )
        return opt(learning_rate=self.learning_rate, **routed)

    def _build_keras_model(self):
        # Replaces scikeras's version; seeding is done by fit (see _runtime).
        self._random_state = None
        if self.n_classes_ is None or self.n_classes_ < 2:
            raise ValueError(
                f"CXRClassifier needs at least two classes in y, got {list(self.classes_ or [])}"
            )
        builder = get_architecture(self.architecture)
        hyperparameters = dict(self.architecture_params or {})
        for name in ("fc_units", "dropout"):
            if getattr(self, name) is not None:
                hyperparameters[name] = getattr(self, name)
        model = builder(tuple(self.X_shape_[1:]), self.n_classes_, **hyperparameters)
        model.compile(
            optimizer=self._make_optimizer(),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        # Build the optimizer's slots now (zeros, as the first step would): a model
        # pickled before fit then reloads its optimizer without a variable-count warning.
        model.optimizer.build(model.trainable_variables)
        return model

    # ----------------------------------------------------------- fitting
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build a fresh network and train it on images ``X`` and labels ``y``.

        Parameters
        ----------
        X : array of shape (n_samples, height, width, channels)
            float images in [0, 1] or uint8 images; 1 or 3 channels.
        y : array-like of shape (n_samples,)
            Labels, e.g. ``"covid"`` / ``"non-covid"``.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-image weights (multiplied by ``class_weight``).
        **kwargs
            Passed to ``keras.Model.fit`` (prefer ``fit__`` parameters).

        Returns
        -------
        self : CXRClassifier
        """
        self._augmentation_spec = self._check_params()
        configure_tf_threads()
        self.random_seed_ = draw_seed(self.random_state)
        with seeded(self.random_seed_), distribute_scope(self.distribute):
            super().fit(X, y, sample_weight=sample_weight, **kwargs)
        return self

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        import keras

        seed = getattr(self, "random_seed_", None)
        validation_data = None
        if self.validation_split:
            train, val = split_validation(y, self.validation_split, seed)
            validation_data = (X[val], y[val]) + (
                () if sample_weight is None else (sample_weight[val],)
            )
            X, y = X[train], y[train]
            sample_weight = None if sample_weight is None else sample_weight[train]

        callbacks = list(self._fit_callbacks)
        if self.early_stopping is not None:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss", patience=self.early_stopping, restore_best_weights=True
                )
            )
        fit_args = {
            "epochs": initial_epoch + epochs,
            "initial_epoch": initial_epoch,
            "validation_data": validation_data,
            "callbacks": callbacks,
            "verbose": self.verbose,
        }
        fit_args.update(route_params(self.get_params(), "fit", pass_filter=set(), strict=True))
        fit_args.update(kwargs)
        spec = getattr(self, "_augmentation_spec", None)
        if spec is None:
            hist = self.model_.fit(
                X, y, batch_size=self.batch_size, sample_weight=sample_weight, shuffle=True, **fit_args
            )
        else:
            data = training_dataset(
                X, y, sample_weight, batch_size=self.batch_size,
                augmenter=make_augmenter(spec), seed=seed,
            )
            hist = self.model_.fit(data, shuffle=False, **fit_args)  # shuffled above

        if not warm_start or not hasattr(self, "history_") or initial_epoch == 0:
            self.history_ = defaultdict(list)
        for key, values in hist.history.items():
            self.history_[key] += [float(v) for v in values]

    # -------------------------------------------------------- predicting
    def _predict_raw(self, X, **kwargs):
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call fit first."
            )
        configure_tf_threads()
        X, _ = self._validate_data(X=X)
        args = {"batch_size": self.batch_size, "verbose": 0}
        args.update(route_params(self.get_params(), "predict", pass_filter=set(), strict=True))
        args.update(kwargs)
        return self.model_.predict(X, **args)

    def save_model(self, path):
        """Export the trained network to a ``.keras`` file.

        The file holds the Keras model only: it expects float32 images in
        [0, 1] (divide uint8 images by 255) and outputs one probability per
        class in the order of ``classes_``. Load it with
        :func:`keras.models.load_model`. To keep the whole estimator (classes,
        preprocessing) pickle it with :mod:`joblib` instead.

        Parameters
        ----------
        path : str or path-like
            Destination; must end in ``.keras``.

        Returns
        -------
        pathlib.Path
            The written file.

        Examples
        --------
        >>> import keras, numpy as np, tempfile, os
        >>> from skcxr import CXRClassifier
        >>> X = np.random.RandomState(0).rand(8, 32, 32, 1).astype("float32")
        >>> clf = CXRClassifier("small_cnn", epochs=1, random_state=0)
        >>> clf = clf.fit(X, ["covid", "non-covid"] * 4)
        >>> path = clf.save_model(os.path.join(tempfile.mkdtemp(), "cxr.keras"))
        >>> keras.models.load_model(path).output_shape
        (None, 2)
        """
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call fit first."
            )
        path = Path(path)
        if path.suffix != ".keras":
            raise ValueError(f"save_model writes the .keras format; path must end in .keras, got {path}")
        self.model_.save(path)
        return path
