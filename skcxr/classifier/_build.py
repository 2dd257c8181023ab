"""Building and persisting CXRClassifier's network: optimizer, builder call, .keras bytes."""

import inspect
from io import BytesIO

import numpy as np
from scikeras._utils import route_params

from ..architectures import get_architecture

#: Constructor parameters handed to the architecture builder when not None.
HEAD_PARAMS = ("fc_units", "dropout")


def make_optimizer(estimator):
    """A fresh Keras optimizer from ``optimizer``, ``learning_rate`` and ``optimizer__*``."""
    import keras

    opt = estimator.optimizer
    routed = route_params(estimator.get_params(), "optimizer", pass_filter=set(), strict=True)
    if isinstance(opt, keras.optimizers.Optimizer):
        config = {**opt.get_config(), **routed, "learning_rate": estimator.learning_rate}
        return type(opt).from_config(config)
    if isinstance(opt, str):
        try:
            opt = type(keras.optimizers.get(opt))
        except ValueError as exc:
            raise ValueError(f"unknown optimizer {estimator.optimizer!r}: {exc}") from None
    if not (isinstance(opt, type) and issubclass(opt, keras.optimizers.Optimizer)):
        raise ValueError(
            "optimizer must be a name ('adam', 'rmsprop', 'sgd', ...), a keras "
            f"optimizer class or instance, got {estimator.optimizer!r}"
        )
    return opt(learning_rate=estimator.learning_rate, **routed)


def _accepts(builder, name):
    try:
        params = inspect.signature(builder).parameters
    except (TypeError, ValueError):  # builtins, some callables: assume it does
        return True
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def builder_hyperparameters(estimator, builder, defaults):
    """``architecture_params`` plus ``fc_units`` / ``dropout`` for the builder.

    A head parameter is passed when not None and the builder accepts it. A
    builder without such an argument gets nothing when the value is the
    class default (e.g. the measured ``dropout=0.3`` of the built-in
    architectures); any other value raises, naming the parameter.
    """
    hyperparameters = dict(estimator.architecture_params or {})
    for name in HEAD_PARAMS:
        value = getattr(estimator, name)
        if value is None or name in hyperparameters:
            continue
        if _accepts(builder, name):
            hyperparameters[name] = value
        elif value != defaults[name]:
            label = getattr(builder, "__name__", repr(builder))
            raise ValueError(
                f"architecture {label!r} takes no {name!r} argument, so {name}={value!r} "
                f"cannot be applied; set {name}=None"
            )
    return hyperparameters


def build_model(estimator, defaults):
    """Build and compile the network for ``estimator`` (called inside its seeded block)."""
    builder = get_architecture(estimator.architecture)
    hyperparameters = builder_hyperparameters(estimator, builder, defaults)
    model = builder(tuple(estimator.X_shape_[1:]), estimator.n_classes_, **hyperparameters)
    model.compile(
        optimizer=make_optimizer(estimator),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    # Build the optimizer's slots now (zeros, as the first step would): a model
    # pickled before fit then reloads its optimizer without a variable-count warning.
    model.optimizer.build(model.trainable_variables)
    return model


def model_to_bytes(model):
    """The network (weights, optimizer state) as ``.keras`` bytes in a uint8 array."""
    from scikeras._saving_utils import pack_keras_model

    _, (packed,) = pack_keras_model(model)  # registers custom model classes first
    return np.asarray(packed, dtype=np.uint8)


def model_from_bytes(packed):
    """Inverse of :func:`model_to_bytes`."""
    from keras.src.saving.saving_lib import load_model

    return load_model(BytesIO(np.asarray(packed, dtype=np.uint8).tobytes()), compile=True)
