"""The Keras side of :class:`~skcxr.features.XRayEmbedder`: feature models and the
backbone weights a fitted embedder carries in its pickled / skops state.

Weights are named by a *token*: ``None`` (random, seed 0), ``"file:<path>"``
(a resolved weights file) or ``"sha256:<digest>"`` (arrays held in this
process, e.g. restored from a saved model: see :func:`register_arrays`).
"""

import hashlib
import threading

import numpy as np

from . import _cache

_LOCK = threading.Lock()
_ARRAYS = {}  # sha256 digest -> list of backbone weight arrays (read-only)
_FILE_DIGEST = {}  # (backbone, file path) -> digest of its arrays

# Channels of MobileNetV2's activation maps (the default backbone), so that
# feature names need no network: block i's expand and depthwise ReLUs.
_MOBILENET_V2_BLOCKS = (None, 96, 144, 144, 192, 192, 192, 384, 384, 384, 384, 576, 576, 576,
                        960, 960, 960)
KNOWN_WIDTHS = {
    "mobilenet_v2": {
        "Conv1_relu": 32, "expanded_conv_depthwise_relu": 32, "out_relu": 1280,
        **{f"block_{i}_{part}_relu": width for i, width in enumerate(_MOBILENET_V2_BLOCKS)
           if width for part in ("expand", "depthwise")},
    },
}
LAST_LAYER = {"mobilenet_v2": "out_relu"}


def arrays_digest(arrays):
    """sha256 of a list of arrays (shapes, dtypes and bytes)."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}|{a.dtype.str}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def register_arrays(arrays, digest=None):
    """Keep ``arrays`` for building models in this process; return their digest.

    A given ``digest`` is checked: arrays that do not hash to it raise.
    """
    arrays = [np.asarray(a) for a in arrays]
    actual = arrays_digest(arrays)
    if digest is not None and digest != actual:
        raise ValueError(
            f"the backbone weights stored with this XRayEmbedder are corrupt (sha256 "
            f"{actual[:12]}... instead of {digest[:12]}...): save the fitted model again")
    for a in arrays:
        a.setflags(write=False)
    with _LOCK:
        _ARRAYS.setdefault(actual, arrays)
    return actual


def has_arrays(digest):
    with _LOCK:
        return digest in _ARRAYS


def _build_base(backbone, token, channels):
    from ..architectures import build_backbone
    from ..utils._seeding import seeded

    path = token[len("file:"):] if token is not None and token.startswith("file:") else None
    # random weights (token None) are drawn with a fixed seed: the same features
    # in every process and for every layer / pooling configuration
    with seeded(0):
        base = build_backbone(backbone, (None, None, channels), weights=path, pooling=None)
    if token is not None and token.startswith("sha256:"):
        with _LOCK:
            arrays = _ARRAYS[token[len("sha256:"):]]
        base.set_weights(arrays)
    return base


def backbone_arrays(backbone, token):
    """``(digest, arrays)`` of the whole backbone's weights for ``token`` (not None)."""
    if token.startswith("sha256:"):
        digest = token[len("sha256:"):]
        with _LOCK:
            return digest, _ARRAYS[digest]
    with _LOCK:
        digest = _FILE_DIGEST.get((backbone, token))
        if digest is not None:
            return digest, _ARRAYS[digest]
    digest = register_arrays(_build_base(backbone, token, 3).get_weights())
    with _LOCK:
        _FILE_DIGEST[(backbone, token)] = digest
        return digest, _ARRAYS[digest]


def feature_model(key):
    """The (cached) Keras model of an embedder configuration ``key``."""
    return _cache.get_model(key, lambda: _feature_model(*key))


def _feature_model(backbone, token, layers, poolings, channels):
    """A flat Keras model: images -> concatenated pooled maps of ``layers``."""
    import keras
    from keras import layers as kl

    from ..architectures._layers import GridAveragePooling2D

    base = _build_base(backbone, token, channels)
    names = [base.layers[-1].name if name is None else name for name in layers]
    pooled, widths = [], []
    for name, pools in zip(names, poolings):
        try:
            out = base.get_layer(name).output
        except ValueError:
            available = [layer.name for layer in base.layers][2:]
            raise ValueError(
                f"backbone {backbone!r} has no layer {name!r}; its layers are e.g. "
                f"{available[:3]} ... {available[-3:]} (all {len(available)}: "
                f"skcxr.architectures.build_backbone({backbone!r}, ...).layers)"
            ) from None
        for pool in pools:
            layer = {"avg": kl.GlobalAveragePooling2D, "max": kl.GlobalMaxPooling2D,
                     "grid": GridAveragePooling2D}[pool]
            pooled.append(layer(name=f"{name}_{pool}_pool")(out))
        widths.append(int(out.shape[-1]))
    output = pooled[0] if len(pooled) == 1 else kl.Concatenate(name="features")(pooled)
    model = keras.Model(base.input, output, name=f"{backbone}_embedder")
    model.trainable = False
    model._skcxr_layout = tuple(zip(names, widths, poolings))
    return model


def known_layout(backbone, layers, poolings):
    """``((layer, width, poolings), ...)`` from :data:`KNOWN_WIDTHS`, or None."""
    widths = KNOWN_WIDTHS.get(backbone)
    if widths is None:
        return None
    names = [LAST_LAYER.get(backbone) if name is None else name for name in layers]
    if not all(name in widths for name in names):
        return None
    return tuple((name, widths[name], pools) for name, pools in zip(names, poolings))
