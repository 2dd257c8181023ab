"""Training calls of CXRClassifier: fit, partial_fit and initialize share one path."""

import contextlib
from collections import defaultdict

from scikeras._utils import route_params
from scikeras.wrappers import BaseWrapper
from sklearn.base import _fit_context

from ._augment import training_dataset
from ._distribute import distribute_scope
from ._inputs import check_labels, combined_sample_weight, split_validation
from ._params import check_fit_kwargs, validate_training_params
from ..utils._runtime import configure_tf_threads
from ..utils._seeding import derive_seed, deterministic_ops, draw_seed, seeded


class TrainingMixin:
    """fit / partial_fit / initialize for a scikeras ``KerasClassifier`` subclass.

    Every training call goes through :meth:`_training_call`: parameter
    validation, label checks, TensorFlow thread caps and the thread-local
    seeding of :mod:`skcxr.utils._seeding`. Sample weights are combined
    with ``class_weight`` into a new array (scikeras 0.13 multiplies the
    caller's array in place).
    """

    @contextlib.contextmanager
    def _training_call(self, y, *, new_seed):
        """What fit, partial_fit and initialize share: checks, thread caps, seeding.

        Yields the checked labels. ``new_seed`` draws ``random_seed_`` from
        ``random_state``; otherwise (a partial_fit on a built network) the
        call's seed is derived from ``random_seed_`` and the epoch count, so
        a sequence of calls repeats exactly.
        """
        self._augmentation_spec = validate_training_params(self)
        y = check_labels(y)
        configure_tf_threads()
        if new_seed or not hasattr(self, "random_seed_"):
            self.random_seed_ = draw_seed(self.random_state)
            self._call_seed = self.random_seed_
        else:
            self._call_seed = derive_seed(self.random_seed_, "partial_fit", self.current_epoch)
        # same seed, same weights, however busy the machine: op determinism while it fits
        determinism = (deterministic_ops() if self.random_state is not None
                       else contextlib.nullcontext())
        with determinism, seeded(self._call_seed), distribute_scope(self.distribute):
            yield y

    # ----------------------------------------------------------- fitting
    # _fit_context validates the parameters (constraints and keywords, see
    # CXRClassifier._validate_params). One door into keras.Model.fit: keywords
    # given to fit / partial_fit obey the rules of the routed fit__ parameters
    # and are merged with them in _fit_keras_model.
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build a fresh network and train it on images ``X`` and labels ``y``.

        Parameters
        ----------
        X : array of shape (n_samples, height, width, channels)
            float images in [0, 1] or uint8 images; 1 or 3 channels.
        y : array-like of shape (n_samples,)
            Labels, e.g. ``"covid"`` / ``"non-covid"``.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-image weights (multiplied by ``class_weight`` into a copy;
            the array passed is never modified).
        **kwargs
            Passed to ``keras.Model.fit`` under the rules of the ``fit__``
            parameters (``validation_freq=2``); what CXRClassifier sets itself
            (``shuffle``, ``batch_size``, ``epochs``, ...) raises a TypeError
            naming the parameter to use instead.

        Returns
        -------
        self : CXRClassifier
            The fitted classifier.
        """
        check_fit_kwargs(kwargs)
        with self._training_call(y, new_seed=True) as y:
            self.classes_ = None
            weights = combined_sample_weight(y, sample_weight, self.class_weight)
            BaseWrapper.fit(self, X, y, sample_weight=weights, **kwargs)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train one more epoch on ``X, y``, keeping the network (built on the first call).

        Takes fit's checks, thread caps, class weights and augmentation. The
        first call seeds the network from ``random_state``; each later call
        shuffles with a seed derived from ``random_seed_`` and the epoch
        count, so the same sequence of calls gives the same network.

        Parameters
        ----------
        X : array of shape (n_samples, height, width, channels)
            Images, as for :meth:`fit`.
        y : array-like of shape (n_samples,)
            Labels.
        classes : array-like, default=None
            All the classes, needed on the first call if ``y`` lacks some.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-image weights (never modified).
        **kwargs
            Passed to ``keras.Model.fit``, as for :meth:`fit`.

        Returns
        -------
        self : CXRClassifier
            The classifier, one epoch further.
        """
        check_fit_kwargs(kwargs)
        with self._training_call(y, new_seed=not self.initialized_) as y:
            self.classes_ = classes if classes is not None else getattr(self, "classes_", None)
            weights = combined_sample_weight(y, sample_weight, self.class_weight)
            BaseWrapper.partial_fit(self, X, y, sample_weight=weights, **kwargs)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def initialize(self, X, y):
        """Build the (seeded, untrained) network for ``X, y`` without training it.

        Parameters
        ----------
        X : array of shape (n_samples, height, width, channels)
            Images, as for :meth:`fit` (their shape sets the input shape).
        y : array-like of shape (n_samples,)
            Labels (they set ``classes_``).

        Returns
        -------
        self : CXRClassifier
        """
        with self._training_call(y, new_seed=True) as y:
            self.classes_ = None
            BaseWrapper.initialize(self, X, y)
        return self

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        import keras

        seed = self._call_seed
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
        spec = self._augmentation_spec
        # Our own shuffling (explicit NumPy seeds), never Keras' (TF's global seed).
        data, steps = training_dataset(
            X, y, sample_weight, batch_size=self.batch_size, epochs=epochs,
            seed=derive_seed(seed, "shuffle"),
            augment=spec, augment_seed=derive_seed(seed, "augment"),
        )
        hist = self.model_.fit(data, steps_per_epoch=steps, shuffle=False, **fit_args)

        if not warm_start or not hasattr(self, "history_") or initial_epoch == 0:
            self.history_ = defaultdict(list)
        for key, values in hist.history.items():
            self.history_[key] += [float(v) for v in values]
