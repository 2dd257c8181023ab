"""Image arrays: the one validator, the one unit-float conversion, the one min..max rescaler.

Every estimator that takes images (``XRayNormalizer``, ``CXRClassifier``,
``XRayEmbedder``, ``grad_cam``) checks them with :func:`check_image_array`:
one set of rules, one tolerance (:data:`RANGE_TOL`) and one exception type
(:class:`ValueError`; :class:`TypeError` only for sparse input, as
scikit-learn's ``check_array`` does). The decoders map wide images (16-bit,
float, DICOM) onto a fixed range with :func:`minmax_rescale`.
"""

import numpy as np
from scipy import sparse

#: How far float images may stray outside [0, 1] (resampling round-off) and
#: still be accepted.
RANGE_TOL = 1e-3


def check_image_array(X, *, caller, channels=(1, 3)):
    """Check that ``X`` holds images ``(n, h, w, c)``: uint8 (0..255) or float in [0, 1].

    Parameters
    ----------
    X : array-like of shape (n_samples, height, width, channels)
        The images.
    caller : str
        Named in the messages (``"CXRClassifier"``, ``"XRayNormalizer"``...).
    channels : tuple of int or None, default=(1, 3)
        Accepted channel counts; None accepts any.

    Returns
    -------
    X : ndarray
        ``X`` as an array, dtype unchanged (uint8 or floating).

    Raises
    ------
    TypeError
        For sparse input.
    ValueError
        Naming the problem: ragged images, no image, not 4-D, a channel count
        not in ``channels``, a dtype other than uint8 or float, NaN or infinite
        values, float values outside [0, 1] by more than :data:`RANGE_TOL`.

    Examples
    --------
    >>> import numpy as np
    >>> from skcxr.utils._images import check_image_array
    >>> check_image_array(np.zeros((2, 8, 8, 1), np.uint8), caller="demo").shape
    (2, 8, 8, 1)
    >>> check_image_array(np.zeros((2, 8, 8)), caller="demo")
    Traceback (most recent call last):
    ...
    ValueError: demo expects images as a 4-D array (n_samples, height, width, channels), \
got an array of shape (2, 8, 8) (add a channel axis: X[..., np.newaxis]); skcxr.XRayLoader \
turns image paths into such an array
    """
    if sparse.issparse(X):
        raise TypeError(f"{caller} does not support sparse input: pass a dense image array")
    X = _as_image_array(X, caller)
    if X.ndim and X.shape[0] == 0:
        raise ValueError(
            f"{caller} got 0 images (an array of shape {X.shape}); pass at least one image"
        )
    if X.ndim != 4:
        hint = " (add a channel axis: X[..., np.newaxis])" if X.ndim == 3 else ""
        raise ValueError(
            f"{caller} expects images as a 4-D array (n_samples, height, width, "
            f"channels), got an array of shape {X.shape}{hint}; skcxr.XRayLoader "
            "turns image paths into such an array"
        )
    if channels is not None and X.shape[-1] not in channels:
        names = {1: "1 (grayscale)", 3: "3 (RGB)"}
        expected = " or ".join(names.get(c, str(c)) for c in channels)
        raise ValueError(
            f"{caller} expects {expected} channels, got {X.shape[-1]} (shape {X.shape})"
        )
    if X.dtype == np.uint8:
        return X
    if X.dtype.kind != "f":
        raise ValueError(
            f"{caller} expects uint8 (0..255) or float (0..1) images, got dtype {X.dtype}"
        )
    if X.size:
        low, high = float(X.min()), float(X.max())
        if not (np.isfinite(low) and np.isfinite(high)):
            raise ValueError(f"{caller}: images contain NaN or infinite values")
        if low < -RANGE_TOL or high > 1 + RANGE_TOL:
            raise ValueError(
                f"{caller} expects float images in [0, 1], got values in "
                f"[{low:.4g}, {high:.4g}]; pass uint8 images or scale them to [0, 1]"
            )
    return X


def as_unit_float(X, *, caller, channels=(1, 3)):
    """:func:`check_image_array`, then float32 in [0, 1] (uint8 divided by 255)."""
    X = check_image_array(X, caller=caller, channels=channels)
    if X.dtype == np.uint8:
        return X.astype(np.float32) / np.float32(255.0)
    return X.astype(np.float32, copy=False)


def _as_image_array(X, caller):
    try:
        return np.asarray(X)
    except ValueError:  # NumPy refuses ragged nesting
        pass
    shapes = []
    for i, image in enumerate(X):
        shape = np.shape(image) if not isinstance(image, (list, tuple)) else _shape_or_none(image)
        shapes.append((i, shape))
    first = shapes[0][1]
    odd = next(((i, s) for i, s in shapes if s != first), shapes[-1])
    raise ValueError(
        f"{caller} received {len(shapes)} images of different shapes: image 0 is "
        f"{first} but image {odd[0]} is {odd[1]}; give every image the same (height, "
        "width, channels), e.g. load the files with skcxr.XRayLoader(size=(h, w))"
    )


def _shape_or_none(item):
    try:
        return np.asarray(item).shape
    except ValueError:
        return "ragged"


def minmax_rescale(values, low=None, high=None, *, to_uint8=False):
    """Map ``[low, high]`` linearly onto [0, 1] (float64) or 0..255 (rounded uint8).

    ``low`` / ``high`` default to the image's own min and max (non-finite
    values count as 0). A constant image (``high <= low``) carries no contrast
    and maps to zeros (black). Float output is clipped to [0, 1] (``low`` /
    ``high`` may be a window narrower than the values); uint8 output is
    computed in float32, as the 16-bit decoders always did.

    Examples
    --------
    >>> import numpy as np
    >>> from skcxr.utils._images import minmax_rescale
    >>> minmax_rescale(np.array([100, 300, 500], np.uint16), to_uint8=True)
    array([  0, 128, 255], dtype=uint8)
    >>> minmax_rescale(np.array([0.0, 10.0, 20.0]), 5.0, 15.0)
    array([0. , 0.5, 1. ])
    """
    arr = np.asarray(values, dtype=np.float32 if to_uint8 else np.float64)
    finite = np.isfinite(arr)
    if not finite.all():
        arr = np.where(finite, arr, 0.0).astype(arr.dtype)
    lo = float(arr.min()) if low is None else low
    hi = float(arr.max()) if high is None else high
    if to_uint8:
        if not hi > lo:
            return np.zeros(arr.shape, dtype=np.uint8)
        return np.rint((arr - lo) * np.float32(255.0 / (hi - lo))).astype(np.uint8)
    if not hi > lo:
        return np.zeros(arr.shape)
    return np.clip((arr - lo) / (hi - lo), 0.0, 1.0)
