"""Saving and loading fitted models safely: skops files whose types are checked before loading.

A pickle (or joblib) file runs whatever code it names while it is read, so a
model file from elsewhere is a program. A skops file (:mod:`skops.io`) is a
zip of JSON and arrays: loading it only constructs the types it lists, and
:func:`load_model` constructs only the types skcxr's own models are made of
unless the caller names more.
"""

import importlib
import os
import zipfile

#: Packages whose classes a fitted skcxr model may hold. Keras is not among them:
#: CXRClassifier carries its network as .keras bytes, read back in Keras' safe mode.
_TRUSTED_PACKAGES = ("skcxr", "sklearn", "scikeras", "numpy", "scipy")

_SKOPS_HINT = "skops.io.get_untrusted_types(file=path) lists them"


def _is_skops_file(path):
    try:
        with zipfile.ZipFile(path) as archive:
            return "schema.json" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _resolve(name):
    """The object a dotted type name stands for, or None when it cannot be imported."""
    module, _, attr = name.rpartition(".")
    while module:
        try:
            obj = importlib.import_module(module)
        except ImportError:
            module, _, head = module.rpartition(".")
            attr = f"{head}.{attr}"
            continue
        try:
            for part in attr.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            return None
        return obj
    return None


def _is_model_type(obj):
    """Whether ``obj`` is a class an skcxr model is made of (see :func:`load_model`)."""
    import numpy as np
    from sklearn.base import BaseEstimator

    if not isinstance(obj, type):
        return False  # functions can be called by what holds them: never implied
    home = obj.__module__.partition(".")[0]
    if home not in _TRUSTED_PACKAGES:
        return False  # e.g. ``skcxr.x.os.system`` re-exported from elsewhere
    if home in ("skcxr", "sklearn", "scikeras") or issubclass(obj, BaseEstimator):
        return True  # estimators, splitters, ...: constructors only store parameters
    if issubclass(obj, (np.dtype, np.generic)):
        return True  # dtypes and scalar types, no behaviour
    if home == "scipy":
        from scipy import sparse

        return issubclass(obj, (sparse.spmatrix, sparse.sparray))
    return False


def trusted_model_types(names):
    """Split skops type names into those :func:`load_model` trusts and the others.

    A name is trusted when it names a class (never a function) defined in
    skcxr, scikit-learn or scikeras (whose constructors, by scikit-learn's
    convention, only store their parameters), a scikit-learn style estimator
    (a subclass of :class:`sklearn.base.BaseEstimator`), a NumPy dtype or
    scalar type, or a SciPy sparse container. Only
    modules of skcxr, scikit-learn, scikeras, NumPy and SciPy are imported to
    decide; other names are untrusted without importing anything.

    Parameters
    ----------
    names : iterable of str
        Dotted type names, as :func:`skops.io.get_untrusted_types` lists them.

    Returns
    -------
    trusted, untrusted : list of str
        The names, split, in the order given.

    Examples
    --------
    >>> from skcxr._persistence import trusted_model_types
    >>> trusted_model_types(["skcxr.preprocessing._loader.XRayLoader", "numpy.dtype",
    ...                      "builtins.eval", "numpy.save"])
    (['skcxr.preprocessing._loader.XRayLoader', 'numpy.dtype'], ['builtins.eval', 'numpy.save'])
    """
    trusted, untrusted = [], []
    for name in names:
        ours = name.partition(".")[0] in _TRUSTED_PACKAGES and _is_model_type(_resolve(name))
        (trusted if ours else untrusted).append(name)
    return trusted, untrusted


def save_model(model, path):
    """Save a fitted model (pipeline or estimator) as a skops file.

    The skops format (:mod:`skops.io`) is a zip of JSON and arrays that can be
    checked before anything in it is constructed; :func:`load_model` reads it
    back trusting skcxr's own types only. A
    :class:`skcxr.CXRClassifier` travels with its network (weights and
    optimizer state) inside the file.

    Parameters
    ----------
    model : estimator
        The fitted model, e.g. a fitted :func:`skcxr.make_default_pipeline`.
    path : str or path-like
        File to write, conventionally ending in ``.skops``; an existing file
        is replaced.

    Returns
    -------
    path : str
        The file written.

    Examples
    --------
    >>> from skcxr import save_model, load_model
    >>> save_model(fitted_pipeline, "model.skops")  # doctest: +SKIP
    'model.skops'
    >>> model = load_model("model.skops")  # doctest: +SKIP
    """
    import skops.io as sio

    path = os.fspath(path)
    sio.dump(model, path)
    return path


def load_model(path, *, trusted=None):
    """Load a model saved by :func:`save_model`, constructing only trusted types.

    The file's types are listed before anything is constructed
    (:func:`skops.io.get_untrusted_types`). skcxr trusts the classes its
    models are made of (see :func:`trusted_model_types`: skcxr's own classes,
    scikit-learn style estimators, NumPy dtypes, SciPy sparse containers),
    never a function, and refuses a file holding anything else with a message
    naming the types. Pickle and joblib files are refused: unpickling runs
    any code the file names.

    Parameters
    ----------
    path : str or path-like
        A skops file.
    trusted : list of str, default=None
        Further type names to trust, e.g. your own estimator's
        ``"mypackage.MyTransformer"``; only for files whose origin you trust.

    Returns
    -------
    model : estimator
        The fitted model.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is not a skops file (a pickle, a ``.keras`` archive, ...).
    skcxr.UntrustedTypesError
        The file holds types that are not trusted; ``.types`` lists them.

    Examples
    --------
    >>> from skcxr import load_model
    >>> model = load_model("model.skops")  # doctest: +SKIP
    >>> model.predict(["chest.png"])  # doctest: +SKIP
    array(['non-covid'], dtype=object)
    """
    import skops.io as sio

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no model file at {path}")
    if not _is_skops_file(path):
        raise ValueError(f"{path} is not a skops file ({describe_model_file(path)}); "
                         "save models with skcxr.save_model(model, 'model.skops')")
    listed = sio.get_untrusted_types(file=path)
    extra = list(trusted or [])
    ours, others = trusted_model_types(t for t in listed if t not in extra)
    if others:
        raise UntrustedTypesError(others, path)
    return sio.load(path, trusted=ours + extra)


class UntrustedTypesError(ValueError):
    """A model file holds types :func:`skcxr.load_model` does not trust.

    Parameters
    ----------
    types : list of str
        The untrusted type names.
    path : str or path-like
        The model file.

    Attributes
    ----------
    types : list of str
        The untrusted type names.
    """

    def __init__(self, types, path):
        self.types = list(types)
        super().__init__(
            f"{path} holds types skcxr does not trust: {self.types}; loading them could run "
            "code the file chose. If you know where the file comes from, trust them "
            f"explicitly: skcxr.load_model(path, trusted={self.types!r}) (or skcxr predict "
            f"--trust TYPE ...); {_SKOPS_HINT}")


def describe_model_file(path):
    """What kind of model file ``path`` looks like, from its first bytes (a short phrase)."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith(b"PK\x03\x04"):
        if _is_skops_file(path):
            return "a skops file"
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return "a damaged zip archive"
        if "config.json" in names:
            return ("a Keras model archive (.keras, as written by CXRClassifier.save_model) "
                    "holding the network only, without the preprocessing and class names")
        return "a zip archive but not a skops file"
    if head[:1] == b"\x80" or head[:1] in (b"(", b"}", b"]"):
        return "a pickle or joblib file"
    if head[:1] == b"x" or head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zX")):
        return "a compressed joblib file (a pickle)"
    return "neither a skops file nor a pickle"
