"""Input checks of CXRClassifier: image arrays and the validation split."""

import numpy as np
from scipy import sparse
from sklearn.model_selection import train_test_split

_RANGE_TOL = 1e-3


def as_unit_float(X):
    """Check that X holds images (n, h, w, c) and return float32 in [0, 1]."""
    if sparse.issparse(X):
        raise TypeError("CXRClassifier does not support sparse input: pass a dense image array")
    X = np.asarray(X)
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
