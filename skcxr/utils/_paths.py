"""Image paths from what the image estimators accept (a list, array, Series or table)."""

import os

import numpy as np


def as_path_list(X, path_column, owner="XRayLoader"):
    """Turn the accepted input kinds into a list of str paths (no file access).

    Errors name ``owner``, the estimator the paths were given to.
    """
    if isinstance(X, (str, bytes, os.PathLike)):
        raise TypeError(
            f"{owner} expects a sequence of image paths (list, 1-D array, Series "
            f"or DataFrame), got a single path {X!r}; wrap it in a list"
        )
    if hasattr(X, "columns") and hasattr(X, "iloc"):  # pandas DataFrame
        if path_column not in X.columns:
            raise ValueError(
                f"path_column={path_column!r} is not a column of the DataFrame; "
                f"columns are {list(X.columns)}"
            )
        X = X[path_column]
    if hasattr(X, "to_numpy"):  # pandas Series / Index
        X = X.to_numpy(dtype=object)
    if isinstance(X, np.ndarray):
        if X.ndim != 1:
            raise ValueError(
                f"{owner} expects a 1-D sequence of image paths, got an array of "
                f"shape {X.shape}; pass a DataFrame and path_column to select a column"
            )
        X = X.tolist()
    try:
        items = list(X)
    except TypeError:
        raise TypeError(
            f"{owner} expects a sequence of image paths, got {type(X).__name__}"
        ) from None
    if not items:
        raise ValueError(f"{owner} received an empty input: 0 image paths")
    paths = []
    for i, item in enumerate(items):
        if isinstance(item, bytes):
            item = os.fsdecode(item)
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(
                f"image path at position {i} must be a str or os.PathLike, got "
                f"{type(item).__name__}: {item!r}"
            )
        path = os.fspath(item)
        if not path:
            raise ValueError(f"image path at position {i} is an empty string")
        paths.append(path)
    return paths
