"""Input checks of CXRClassifier: images, labels, sample weights, the validation split."""

import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import _check_sample_weight

_RANGE_TOL = 1e-3
_NO_IMAGES = (
    "CXRClassifier cannot fit on 0 images: y is empty; check the table or folder the "
    "images come from (e.g. a filter that removed every row)"
)


def as_unit_float(X):
    """Check that X holds images (n, h, w, c) and return float32 in [0, 1]."""
    if sparse.issparse(X):
        raise TypeError("CXRClassifier does not support sparse input: pass a dense image array")
    X = _as_image_array(X)
    if X.ndim and X.shape[0] == 0:
        raise ValueError(
            f"CXRClassifier got 0 images (an array of shape {X.shape}); pass at least one image"
        )
    if X.ndim != 4:
        hint = " (add a channel axis: X[..., np.newaxis])" if X.ndim == 3 else ""
        raise ValueError(
            "CXRClassifier expects images as a 4-D array (n_samples, height, width, "
            f"channels), got an array of shape {X.shape}{hint}; skcxr.XRayLoader "
            "turns image paths into such an array"
        )
    if X.dtype == np.uint8:
        return X.astype(np.float32) / np.float32(255.0)
    if X.dtype.kind != "f":
        raise ValueError(
            f"CXRClassifier expects uint8 (0..255) or float (0..1) images, got dtype {X.dtype}"
        )
    X = X.astype(np.float32, copy=False)
    if X.size:
        low, high = float(X.min()), float(X.max())
        if not (np.isfinite(low) and np.isfinite(high)):
            raise ValueError("CXRClassifier: images contain NaN or infinite values")
        if low < -_RANGE_TOL or high > 1 + _RANGE_TOL:
            raise ValueError(
                f"CXRClassifier expects float images in [0, 1], got values in "
                f"[{low:.4g}, {high:.4g}]; pass uint8 images or scale them to [0, 1]"
            )
    return X


def _as_image_array(X):
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
        f"CXRClassifier received {len(shapes)} images of different shapes: image 0 is "
        f"{first} but image {odd[0]} is {odd[1]}; give every image the same (height, "
        "width, channels), e.g. load the files with skcxr.XRayLoader(size=(h, w))"
    )


def _shape_or_none(item):
    try:
        return np.asarray(item).shape
    except ValueError:
        return "ragged"


def check_labels(y):
    """Return ``y`` as a 1-D array of labels, refusing missing and one-hot labels."""
    if y is None:
        raise ValueError("CXRClassifier needs labels: fit(X, y) with one label per image")
    try:
        arr = np.asarray(y)
    except ValueError:
        raise ValueError(
            "y must hold one label per image (e.g. 'covid' / 'non-covid'); got a ragged sequence"
        ) from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1-D array was expected; it is raveled",
            DataConversionWarning,
            stacklevel=3,
        )
        arr = arr.ravel()
    if arr.ndim != 1:
        onehot = (
            arr.ndim == 2
            and arr.dtype.kind in "biuf"
            and np.isin(arr, (0, 1)).all()
            and (arr.sum(axis=1) == 1).all()
        )
        hint = (
            "it looks one-hot encoded: pass the class of each image instead, e.g. "
            "y.argmax(axis=1) or the class names"
            if onehot
            else "pass one label per image"
        )
        raise ValueError(f"y must be 1-D (one label per image), got shape {arr.shape}; {hint}")
    if arr.dtype.kind == "f":
        missing = np.flatnonzero(np.isnan(arr))
    elif arr.dtype.kind == "O":
        missing = np.flatnonzero([v is None or (isinstance(v, float) and v != v) for v in arr])
    else:
        missing = np.array([], dtype=int)
    if missing.size:
        shown = missing[:10].tolist()
        raise ValueError(
            f"y has {missing.size} missing label(s) (None or NaN) at position(s) {shown}"
            f"{' ...' if missing.size > 10 else ''}: every training image needs a label; "
            "drop those images or label them"
        )
    if arr.size == 0:
        raise ValueError(_NO_IMAGES)
    return arr


def combined_sample_weight(y, sample_weight, class_weight):
    """``sample_weight`` times the class weights, as a new float32 array (None if neither).

    The caller's array is never modified; integer weights are accepted.
    """
    if sample_weight is None and class_weight is None:
        return None
    weights = _check_sample_weight(sample_weight, y, dtype=np.float32, copy=True)
    if class_weight is not None:
        weights = weights * compute_sample_weight(class_weight=class_weight, y=y).astype(np.float32)
    return weights


def split_validation(y, fraction, seed):
    """Shuffled, stratified (when every class allows it) train / validation indices.

    Keras' own ``validation_split`` takes the last images unshuffled, which is a
    single class when the data are sorted by label.
    """
    idx = np.arange(len(y))
    try:
        return train_test_split(idx, test_size=fraction, stratify=y, random_state=seed)
    except ValueError:  # too few images of a class to stratify
        return train_test_split(idx, test_size=fraction, random_state=seed)
