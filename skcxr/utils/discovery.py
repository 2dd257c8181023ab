"""Discovery of skcxr's public estimators (after ``sklearn.utils.discovery``).

The walk imports skcxr's modules by name when it is called, never at import
time, so :mod:`skcxr.utils` stays the lowest floor of the package.
"""

import importlib
import inspect
import pkgutil

__all__ = ["all_estimators"]

_TYPE_MIXINS = {
    "classifier": "ClassifierMixin",
    "regressor": "RegressorMixin",
    "transformer": "TransformerMixin",
    "cluster": "ClusterMixin",
}


def _public_modules(package="skcxr"):
    """Import and yield ``package`` and each of its public (non-underscore) submodules."""
    root = importlib.import_module(package)
    yield root
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        parts = info.name.split(".")
        if any(part.startswith("_") or part == "tests" for part in parts):
            continue
        yield importlib.import_module(info.name)


def all_estimators(type_filter=None):
    """Every public estimator class of skcxr, as ``(name, class)`` pairs.

    Walks skcxr's public modules (private ``_name`` modules are skipped, as
    are names starting with ``_``) and keeps the classes defined in skcxr that
    derive from :class:`sklearn.base.BaseEstimator`, abstract ones excepted.
    A new public estimator is found without being listed anywhere.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer", "cluster"}, \
            list of them or None, default=None
        Keep only the estimators with one of these mixins (None: all).

    Returns
    -------
    estimators : list of (str, type)
        Sorted by name; each class once.

    Examples
    --------
    >>> from skcxr.utils import all_estimators
    >>> names = [name for name, _ in all_estimators(type_filter="transformer")]
    >>> "XRayLoader" in names and "XRayNormalizer" in names
    True
    """
    from sklearn.base import BaseEstimator

    if isinstance(type_filter, str):
        type_filter = [type_filter]
    if type_filter is not None:
        unknown = set(type_filter) - set(_TYPE_MIXINS)
        if unknown:
            raise ValueError(
                f"type_filter must be None or among {sorted(_TYPE_MIXINS)}, got {sorted(unknown)}"
            )
    found = {}
    for module in _public_modules():
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                name.startswith("_")
                or not cls.__module__.startswith("skcxr")
                or not issubclass(cls, BaseEstimator)
                or inspect.isabstract(cls)
            ):
                continue
            found.setdefault(cls, name)
    estimators = sorted(((name, cls) for cls, name in found.items()), key=lambda p: p[0])
    if type_filter is None:
        return estimators
    return [
        (name, cls)
        for name, cls in estimators
        if any(_TYPE_MIXINS[kind] in {base.__name__ for base in cls.__mro__} for kind in type_filter)
    ]
