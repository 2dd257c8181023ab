"""CXRClassifier: a Keras CNN as a scikit-learn classifier (scikeras subclass)."""

import inspect
from collections import defaultdict
from pathlib import Path

import numpy as np
from scikeras._utils import route_params
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.utils import ClassifierTags
from sklearn.utils.validation import check_is_fitted

from ..utils._images import as_unit_float
from ..utils._runtime import check_not_forked, configure_tf_threads
from ._build import build_model, model_from_bytes, model_to_bytes
from ._distribute import clone_keeping_strategy, picklable_state
from ._params import PARAMETER_CONSTRAINTS, check_keyword, is_routed
from ._training import TrainingMixin

_PACKED_MODEL = "_model_keras_bytes"


class CXRClassifier(TrainingMixin, KerasClassifier):
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
    dropout : float, tuple of float or None, default=0.3
        Dropout of the dense layers, passed to the builder when not None
        (a custom builder without a ``dropout`` argument gets nothing at the
        default, and raises for any other value).
    optimizer : str, keras optimizer class or instance, default="adam"
        Instances are copied from their config for each fit.
    learning_rate : float, default=1e-3
        Learning rate given to the optimizer.
    epochs : int, default=40
        Maximum number of passes over the training data.
    batch_size : int, default=32
        Images per gradient step (and per prediction batch).
    class_weight : dict, "balanced" or None, default="balanced"
        Class weights, multiplied into (a copy of) the sample weights.
    validation_split : float, default=0.0
        Fraction of the training data held out (stratified, shuffled with
        the fit's seed) to report ``val_loss`` / ``val_accuracy`` per epoch.
    early_stopping : int or None, default=None
        Patience in epochs: stop when ``val_loss`` has not improved for that
        many epochs and keep the best weights. Needs ``validation_split > 0``.
    augmentation : None, bool or dict, default=True
        Random rotations / zooms / shifts of training batches (never at
        prediction). True uses small defaults; a dict sets ``rotation``
        (degrees), ``zoom``, ``shift`` (fractions), ``fill_mode``. Each
        image of each epoch gets one affine transform drawn from
        ``random_state``, applied in tf.data's parallel map while the
        network trains (one resampling; the same result in every run).
    callbacks : list of keras callbacks, default=None
        Extra callbacks for ``Model.fit``.
    random_state : int in [0, 2**31 - 1], RandomState instance or None, default=None
        Seeds weights, shuffling, dropout, augmentation and the validation
        split. Two fits with the same int give identical predictions, also
        when other threads use Python's :mod:`random` meanwhile (threading
        or Dask backends) and however busy the machine is: while a seeded
        fit runs, TensorFlow's op determinism is on (process-wide; restored
        after; no slowdown measured).
    verbose : int, default=0
        Keras progress output during fit (0 silent, 1 bar, 2 line per epoch).
    distribute : None, "mirrored" or tf.distribute.Strategy, default=None
        Train on several devices under the strategy's scope; ``batch_size``
        is the global batch, split across replicas. ``"mirrored"`` (a
        ``MirroredStrategy`` over the visible GPUs, built per fit) pickles; an
        instance is kept by ``clone`` but not pickled (see "Scaling out").
        With several replicas a fit is repeatable bit for bit only without
        dropout (``dropout=0.0``): the replicas share one dropout seed state.
    **kwargs
        Routed parameters starting with ``optimizer__`` (e.g.
        ``optimizer__beta_1``), ``fit__`` (``fit__validation_freq``),
        ``predict__``, ``callbacks__`` or ``score__``. Any other keyword
        raises a TypeError that suggests the intended name.

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
    X_shape_ : tuple
        Shape of the training images ``(n_samples, height, width, channels)``;
        ``n_features_in_`` is not set (images have no feature count).

    Notes
    -----
    The defaults are the measured ones of
    :data:`skcxr.pipeline.DEFAULT_PARAMS`: five_block with dropout 0.3,
    Adam at 1e-3, 40 epochs of batches of 32, balanced class weights and
    augmentation. :meth:`fit`, :meth:`partial_fit` and :meth:`initialize`
    all validate the parameters, cap TensorFlow's threads and seed.

    The seeding policy and the thread caps are described in
    :mod:`skcxr.utils._runtime`. With ``n_jobs > 1`` use joblib's
    default loky backend: fork-based backends (``"multiprocessing"``, or
    ``fork`` start methods) deadlock once TensorFlow has run in the parent;
    the classifier raises a RuntimeError there instead of hanging.
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

    _parameter_constraints = PARAMETER_CONSTRAINTS

    def __init__(
        self,
        architecture="five_block",
        *,
        architecture_params=None,
        fc_units=None,
        dropout=0.3,
        optimizer="adam",
        learning_rate=1e-3,
        epochs=40,
        batch_size=32,
        class_weight="balanced",
        validation_split=0.0,
        early_stopping=None,
        augmentation=True,
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
        vars(self).update(kwargs)  # checked at fit, as every parameter

    __repr__ = BaseEstimator.__repr__

    @classmethod
    def _named_params(cls):
        return {
            p.name: p.default
            for p in inspect.signature(cls.__init__).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        }

    def _get_param_names(self):
        named = self._named_params()
        # The constructor's **kwargs (routed keywords such as optimizer__beta_1)
        # are public instance attributes without a trailing underscore.
        extra = sorted(
            k for k in vars(self) if k not in named and not k.startswith("_") and not k.endswith("_")
        )
        return sorted(named) + extra

    def set_params(self, **params):
        """Set parameters; routed keywords (``optimizer__beta_1``) as in the constructor.

        Like the constructor, this stores what it is given; a routed keyword
        that CXRClassifier does not read (``fit__shuffle``) is refused at fit.
        A name that is neither a parameter nor a routed keyword raises here.

        Parameters
        ----------
        **params
            Parameter names and values.

        Returns
        -------
        self : CXRClassifier
            The classifier, with the new parameters.
        """
        names = set(self.get_params(deep=False))
        for key, value in params.items():
            if key in names or is_routed(key):
                setattr(self, key, value)
                continue
            try:
                check_keyword(key, self._named_params())
            except TypeError as exc:
                raise ValueError(str(exc).replace("keyword argument", "parameter")) from None
        return self

    def _validate_params(self):
        """scikit-learn's constraints, then the constructor's keywords (at fit, not in __init__)."""
        super()._validate_params()
        named = self._named_params()
        for key in self.get_params(deep=False):
            if key not in named:
                check_keyword(key, named)

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
        return hasattr(self, "model_") or hasattr(self, "_unloaded_model")

    # ------------------------------------------------------- persistence
    def __getstate__(self):
        # Plain types only, so that pickle, joblib and skops.io all work: the
        # network travels as .keras bytes (weights and optimizer state).
        state = dict(vars(self))
        for key in ("_fit_callbacks", "_predict_callbacks"):  # hold the model; rebuilt per fit
            state.pop(key, None)
        model = state.pop("model_", None)
        if model is not None:
            state[_PACKED_MODEL] = model_to_bytes(model)
        if "history_" in state:
            state["history_"] = {k: list(v) for k, v in state["history_"].items()}
        return picklable_state(state)

    def __sklearn_clone__(self):
        return clone_keeping_strategy(self)  # a Strategy instance is shared, not copied

    def __setstate__(self, state):
        state = dict(state)
        packed = state.pop(_PACKED_MODEL, None)
        if "history_" in state:
            state["history_"] = defaultdict(list, state["history_"])
        vars(self).update(state)
        if packed is None:
            return
        try:
            check_not_forked()
        except RuntimeError:
            # Unpickling runs in the worker's task loop, where raising would
            # hang a multiprocessing pool: keep the bytes, raise at first use.
            self._unloaded_model = packed
            return
        self.model_ = model_from_bytes(packed)

    # ------------------------------------------------------------- checks
    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        if X is not None:
            if reset:
                self.input_dtype_ = np.asarray(X).dtype if not isinstance(X, list) else None
            X = as_unit_float(X, caller="CXRClassifier")
            if reset and self.input_dtype_ is None:
                self.input_dtype_ = X.dtype
        X, y = super()._validate_data(X, y, reset=reset, y_numeric=y_numeric)
        if reset:  # scikeras would set it to the image height
            vars(self).pop("n_features_in_", None)
        return X, y

    # ---------------------------------------------------------- building
    def _build_keras_model(self):
        # Replaces scikeras's version; seeding is done by _training_call.
        self._random_state = None
        if self.n_classes_ is None or self.n_classes_ < 2:
            raise ValueError(
                f"CXRClassifier needs at least two classes in y, got {list(self.classes_ or [])}"
            )
        return build_model(self, self._named_params())

    # -------------------------------------------------------- predicting
    def _predict_raw(self, X, **kwargs):
        check_is_fitted(self)
        configure_tf_threads()  # raises in a process forked after TensorFlow started
        X, _ = self._validate_data(X=X)
        args = {"batch_size": self.batch_size, "verbose": 0}
        args.update(route_params(self.get_params(), "predict", pass_filter=set(), strict=True))
        args.update(kwargs)
        return self.model_.predict(X, **args)

    def predict_proba(self, X, **kwargs):
        """Class probabilities, shape ``(n_samples, n_classes)``, also for one image.

        Parameters
        ----------
        X : array of shape (n_samples, height, width, channels)
            Images, as for :meth:`fit`.
        **kwargs
            Passed to ``keras.Model.predict``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        outputs = self._predict_raw(X, **kwargs)
        proba = self.target_encoder_.inverse_transform(outputs, return_proba=True)
        return np.asarray(proba).reshape(len(outputs), -1)  # scikeras squeezes one row

    def predict(self, X, **kwargs):
        """Most probable class of each image, shape ``(n_samples,)``.

        Parameters
        ----------
        X : array of shape (n_samples, height, width, channels)
            Images, as for :meth:`fit`.
        **kwargs
            Passed to ``keras.Model.predict``.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            One of ``classes_`` per image.
        """
        proba = self.predict_proba(X, **kwargs)  # raises NotFittedError first
        return np.asarray(self.classes_)[proba.argmax(axis=1)]

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
        check_is_fitted(self)
        check_not_forked()
        path = Path(path)
        if path.suffix != ".keras":
            raise ValueError(f"save_model writes the .keras format; path must end in .keras, got {path}")
        self.model_.save(path)
        return path
