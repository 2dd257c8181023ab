"""Pretrained weights of the backbones: one resolver for None / "imagenet" / a path.

Every backbone registers the weights files it accepts for ``"imagenet"``
(:data:`WEIGHTS_FILES`), each with a name, a hash (sha256, or the md5 that
Keras registers for its own files; None: unverified) and a download URL.
``"imagenet"`` is resolved in this order, first match wins:

1. ``$SKCXR_WEIGHTS/<registered name>`` (a folder of offline weights, e.g.
   the MobileNetV2 port in ``shared/weights``);
2. Keras' cache, ``$KERAS_HOME/models/<registered name>`` (default
   ``~/.keras/models``), where ``keras.applications`` keeps its downloads;
3. a download with :func:`keras.utils.get_file` into Keras' cache.

Every file found is checked against its registered hash before use. When all
three fail, the error says which file to put where.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from ..utils._files import hashed_file

#: Environment variable naming a folder of offline weights files.
WEIGHTS_ENV = "SKCXR_WEIGHTS"

_KERAS_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"


@dataclass(frozen=True)
class WeightsFile:
    """A registered weights file of a backbone.

    Parameters
    ----------
    name : str
        File name looked up in ``$SKCXR_WEIGHTS`` and in Keras' cache.
    hash : str or None
        sha256 (64 hex digits) or md5 (32) of the file; None: not verified.
    origin : str or None
        URL to download it from (None: not downloadable).
    """

    name: str
    hash: str | None
    origin: str | None


#: backbone -> the files ``weights="imagenet"`` accepts, preferred first.
WEIGHTS_FILES = {
    "mobilenet_v2": (
        # ported from a TFLite ImageNet model (shared/weights/README.md)
        WeightsFile(
            "mobilenet_v2_1.0_imagenet_notop.weights.h5",
            "11eb4bd43f25b01e4d853687e224550b0ef6731f70c085f88f36dce7e4905631",
            None,
        ),
        # Keras' own file (keras.applications registers no hash for it)
        WeightsFile(
            "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
            None,
            _KERAS_BASE + "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
        ),
    ),
    "densenet121": (
        WeightsFile(
            "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "30ee3e1110167f948a6b9946edeeb738",
            _KERAS_BASE + "densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
        ),
    ),
    "resnet50": (
        WeightsFile(
            "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "4d473c1dd8becc155b73f8504c6f6626",
            _KERAS_BASE + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        ),
    ),
    "efficientnet_b0": (
        WeightsFile(
            "efficientnetb0_notop.h5",
            "50bc09e76180e00e4465e1a485ddc09d",
            "https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5",
        ),
    ),
}


class WeightsError(ValueError):
    """Weights that cannot be found, downloaded, verified or loaded."""


def keras_cache_dir():
    """Keras' download cache: ``$KERAS_HOME/models``, default ``~/.keras/models``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def verify_file(path, registered, backbone):
    """Raise :class:`WeightsError` unless ``path`` has the registered hash."""
    if registered.hash is None:
        return Path(path)
    algorithm = "sha256" if len(registered.hash) == 64 else "md5"
    actual = hashed_file(path, algorithm)
    if actual != registered.hash.lower():
        raise WeightsError(
            f"weights file {path} is corrupt or not the registered {backbone} file: its "
            f"{algorithm} is {actual}, expected {registered.hash} for {registered.name}; "
            "delete it and download it again (or copy an intact one)"
        )
    return Path(path)


def _registered(backbone):
    try:
        return WEIGHTS_FILES[backbone]
    except KeyError:
        raise WeightsError(
            f"no ImageNet weights are registered for architecture {backbone!r}; "
            f"registered: {sorted(WEIGHTS_FILES)}. Pass weights=None or a path"
        ) from None


def _download(registered, cache):
    import keras

    cache.mkdir(parents=True, exist_ok=True)  # else get_file falls back to /tmp/.keras
    return Path(
        keras.utils.get_file(
            registered.name, registered.origin, file_hash=registered.hash,
            cache_dir=str(cache.parent), cache_subdir=cache.name,
        )
    )


def where_to_put(backbone):
    """A sentence telling where ``weights="imagenet"`` looks for ``backbone``."""
    names = " or ".join(f.name for f in _registered(backbone))
    folder = os.environ.get(WEIGHTS_ENV)
    env = f"${WEIGHTS_ENV} (now {folder})" if folder else f"a folder named by ${WEIGHTS_ENV}"
    return f"put {names} in {env} or in Keras' cache {keras_cache_dir()}"


def resolve_weights(backbone, weights):
    """The weights file to load for ``backbone``, or None for random weights.

    Parameters
    ----------
    backbone : str
        Registered backbone name, e.g. ``"mobilenet_v2"``.
    weights : None, "imagenet" or path-like
        None: random initialisation (returns None). ``"imagenet"``: the
        registered file, looked up in ``$SKCXR_WEIGHTS``, then Keras' cache,
        then downloaded (see the module docstring). A path: that file; when
        its name is a registered one, its hash is checked.

    Returns
    -------
    path : pathlib.Path or None
        The verified weights file, or None for random initialisation.

    Raises
    ------
    WeightsError
        The file is missing, fails its hash, or cannot be downloaded; the
        message names the file and the backbone.

    Examples
    --------
    >>> from skcxr.architectures import resolve_weights
    >>> resolve_weights("mobilenet_v2", None) is None
    True
    """
    if weights is None:
        return None
    if isinstance(weights, str) and weights == "imagenet":
        registered = _registered(backbone)
        folder = os.environ.get(WEIGHTS_ENV)
        if folder:
            for entry in registered:
                candidate = Path(folder).expanduser() / entry.name
                if candidate.is_file():
                    return verify_file(candidate, entry, backbone)
        cache = keras_cache_dir()
        for entry in registered:
            candidate = cache / entry.name
            if candidate.is_file():
                return verify_file(candidate, entry, backbone)
        failures = []
        for entry in registered:
            if entry.origin is None:
                continue
            try:
                return verify_file(_download(entry, cache), entry, backbone)
            except WeightsError:
                raise
            except Exception as exc:  # no network, HTTP error, hash mismatch of get_file
                failures.append(f"{entry.origin}: {type(exc).__name__}: {exc}")
        tried = "; ".join(failures) or "no download URL is registered"
        raise WeightsError(
            f"ImageNet weights for {backbone!r} not found and not downloadable ({tried}); "
            f"{where_to_put(backbone)}"
        )
    if not isinstance(weights, (str, os.PathLike)):
        raise WeightsError(
            f"{backbone}: weights must be None, 'imagenet' or a path to a weights file, "
            f"got {weights!r}"
        )
    path = Path(weights).expanduser()
    if not path.is_file():
        raise WeightsError(
            f"weights file {path} for architecture {backbone!r} does not exist; pass an "
            f"existing file, weights='imagenet' ({where_to_put(backbone)}) or None"
        )
    for entry in WEIGHTS_FILES.get(backbone, ()):
        if entry.name == path.name:
            verify_file(path, entry, backbone)
    return path


def load_backbone_weights(model, path, backbone):
    """``model.load_weights(path)``, with errors that name the file and the backbone."""
    import warnings

    try:
        with warnings.catch_warnings():  # a mismatched file warns per layer, then raises
            warnings.simplefilter("ignore")
            model.load_weights(str(path))
    except Exception as exc:
        raise WeightsError(
            f"could not load weights file {path} into architecture {backbone!r} "
            f"(keras.applications, include_top=False): {type(exc).__name__}: {exc}. "
            f"Is it a {backbone} ImageNet weights file without the top, intact?"
        ) from exc
