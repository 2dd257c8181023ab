"""Parameters of CXRClassifier: constraints, routed keywords, the checks of every training call."""

import difflib
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, InvalidParameterError, StrOptions

from ..architectures import get_architecture
from ._augment import check_augmentation
from ._distribute import check_distribute

MAX_SEED = 2**31 - 1

#: scikit-learn's declaration of the constructor parameters, checked by
#: ``CXRClassifier._validate_params`` (with the routed keywords) at the start
#: of fit, partial_fit and initialize (``sklearn.base._fit_context``).
PARAMETER_CONSTRAINTS = {
    "architecture": [str, callable],
    "architecture_params": [dict, None],
    "fc_units": [Interval(Integral, 1, None, closed="left"), tuple, list, None],
    "dropout": [Interval(Real, 0, 1, closed="left"), tuple, list, None],
    "optimizer": [str, type, HasMethods(["get_config", "apply_gradients"])],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "class_weight": [dict, StrOptions({"balanced"}), None],
    "validation_split": [Interval(Real, 0, 1, closed="left")],
    "early_stopping": [Interval(Integral, 1, None, closed="left"), None],
    "augmentation": ["boolean", dict, None],
    "callbacks": [list, dict, HasMethods(["set_model"]), None],
    "random_state": [Interval(Integral, 0, MAX_SEED, closed="both"), np.random.RandomState, None],
    "verbose": ["verbose"],
    "distribute": [None, StrOptions({"mirrored"}), HasMethods(["scope", "run"])],
}

#: Routing prefixes of ``**kwargs`` that CXRClassifier actually reads
#: (scikeras' routing): ``optimizer__beta_1``, ``fit__validation_freq``,
#: ``predict__batch_size``, ``callbacks__...`` (arguments of callback
#: classes), ``score__...`` (arguments of the accuracy scorer).
ROUTED_PREFIXES = ("optimizer", "fit", "predict", "callbacks", "score")

#: scikeras prefixes that CXRClassifier does not read, and what to use instead.
REFUSED_PREFIXES = {
    "model": "pass hyperparameters of the architecture builder with "
    "architecture_params={...} (or fc_units= / dropout=)",
    "compile": "the model is compiled by CXRClassifier (loss, metrics); set the "
    "optimizer with optimizer= / learning_rate= / optimizer__<name>",
    "loss": "the loss is fixed (sparse categorical cross-entropy over classes_)",
}

#: ``fit__`` keywords that would conflict with CXRClassifier's own training loop.
_FIT_OWNED = {
    "batch_size": "batch_size=",
    "epochs": "epochs=",
    "callbacks": "callbacks=",
    "shuffle": "random_state= (every epoch is shuffled)",
    "validation_split": "validation_split=",
    "validation_data": "validation_split=",
    "class_weight": "class_weight=",
    "sample_weight": "fit(X, y, sample_weight=...)",
    "initial_epoch": "partial_fit",
    "steps_per_epoch": "batch_size=",
    "x": "fit(X, y)",
    "y": "fit(X, y)",
}


def _suggest(name, candidates):
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def is_routed(name):
    """True if ``name`` has a routing prefix CXRClassifier reads (``fit__validation_freq``)."""
    prefix, sep, rest = name.partition("__")
    return bool(sep and rest) and prefix in ROUTED_PREFIXES


def check_keyword(name, param_names, owner="CXRClassifier", shown=None):
    """Raise unless ``name`` is a parameter or a routed keyword that is read.

    Parameters
    ----------
    name : str
        A keyword given to the constructor or to ``set_params``.
    param_names : list of str
        The named parameters of the constructor.
    owner : str
        Name used in the messages.
    shown : str, default=None
        How the keyword was written by the caller, if not ``name``.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        A TypeError (and ValueError) that suggests the intended name.
    """
    prefix, sep, rest = name.partition("__")
    if sep and prefix in ROUTED_PREFIXES and rest:
        if prefix == "fit" and rest in _FIT_OWNED:
            raise InvalidParameterError(
                f"{owner} sets {rest!r} of keras.Model.fit itself; instead of "
                f"{shown or repr(name)} use {_FIT_OWNED[rest]}"
            )
        return
    if sep and prefix in REFUSED_PREFIXES:
        raise InvalidParameterError(
            f"{owner} does not read {name!r} (scikeras' {prefix}__ routing is not used): "
            f"{REFUSED_PREFIXES[prefix]}"
        )
    candidates = list(param_names) + [f"{p}__" for p in ROUTED_PREFIXES]
    raise InvalidParameterError(
        f"{owner} got an unexpected keyword argument {name!r}{_suggest(name, candidates)} "
        f"Parameters are {sorted(param_names)}; routed keywords start with "
        + ", ".join(f"'{p}__'" for p in ROUTED_PREFIXES)
    )


def check_fit_kwargs(kwargs, owner="CXRClassifier"):
    """Check keywords given to ``fit`` / ``partial_fit`` as the routed ``fit__`` ones.

    ``fit(X, y, shuffle=True)`` and ``fit__shuffle=True`` get the same answer.
    """
    for key in kwargs:
        check_keyword(f"fit__{key}", (), owner=owner, shown=f"fit(..., {key}=...)")


def validate_training_params(estimator):
    """Checks shared by fit, partial_fit and initialize; returns the augmentation spec.

    scikit-learn's constraints and the routed keywords are checked before,
    by ``_fit_context`` (one message per parameter); these are the rules
    that link parameters or need a registry.
    """
    if estimator.early_stopping is not None and not estimator.validation_split:
        raise ValueError(
            "early_stopping monitors val_loss: set validation_split > 0 "
            f"(got early_stopping={estimator.early_stopping}, validation_split=0)"
        )
    get_architecture(estimator.architecture)  # unknown names list the registered ones
    check_distribute(estimator.distribute)
    return check_augmentation(estimator.augmentation)
