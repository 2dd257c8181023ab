"""Checks of :class:`~skcxr.features.XRayEmbedder`'s pooling values and image arrays."""

import numpy as np

#: The elementary poolings; a ``pooling`` value is one of them or several joined with ``"+"``.
POOLINGS = ("avg", "max", "grid")


def pooling_parts(pooling):
    """``"avg+grid"`` -> ``("avg", "grid")``; raises naming the bad value."""
    parts = tuple(pooling.split("+")) if isinstance(pooling, str) else ()
    if not parts or any(p not in POOLINGS for p in parts) or len(set(parts)) != len(parts):
        raise ValueError(
            f"pooling must be one of {POOLINGS} or several joined with '+' (e.g. 'avg+grid'), "
            f"got {pooling!r}"
        )
    return parts


def check_images(X):
    """Images (n, h, w, c), c in {1, 3}: returned as float32 in [0, 1]."""
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError("XRayEmbedder does not support sparse input: pass an image array")
    X = np.asarray(X)
    if X.ndim != 4:
        hint = " (add a channel axis: X[..., np.newaxis])" if X.ndim == 3 else ""
        raise ValueError(
            "XRayEmbedder expects images as a 4-D array (n_samples, height, width, "
            f"channels), got an array of shape {X.shape}{hint}; skcxr.XRayLoader makes one"
        )
    if X.shape[-1] not in (1, 3):
        raise ValueError(
            f"XRayEmbedder expects 1 (grayscale) or 3 (RGB) channels, got {X.shape[-1]} "
            f"(shape {X.shape})"
        )
    if X.shape[0] == 0:
        raise ValueError(f"XRayEmbedder got 0 images (shape {X.shape}); at least one is needed")
    if X.dtype == np.uint8:
        return X
    if X.dtype.kind != "f":
        raise ValueError(
            f"XRayEmbedder expects uint8 (0..255) or float (0..1) images, got dtype {X.dtype}"
        )
    low, high = float(np.min(X)), float(np.max(X))
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError("XRayEmbedder: images contain NaN or infinite values")
    if low < -1e-3 or high > 1 + 1e-3:
        raise ValueError(
            f"XRayEmbedder expects float images in [0, 1], got values in [{low:.4g}, "
            f"{high:.4g}]; pass uint8 images or scale them to [0, 1]"
        )
    return X.astype(np.float32, copy=False)
