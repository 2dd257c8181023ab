"""Checks of :class:`~skcxr.features.XRayEmbedder`'s pooling values and image arrays."""

import numpy as np

from ..utils._images import check_image_array

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
    """Images (n, h, w, c), c in {1, 3}: uint8 as is, float as float32 in [0, 1]
    (the shared validator, :func:`skcxr.utils._images.check_image_array`)."""
    X = check_image_array(X, caller="XRayEmbedder")
    return X if X.dtype == np.uint8 else X.astype(np.float32, copy=False)
