"""``set_output`` for transformers whose output is an image array, not a table."""

_CONTAINERS = (None, "default", "pandas", "polars")


class ImageOutputMixin:
    """Accept ``set_output`` and keep returning image arrays (a pass-through).

    scikit-learn's :meth:`~sklearn.pipeline.Pipeline.set_output` asks every
    transformer of a pipeline to return a DataFrame. An ``(n, height, width,
    channels)`` image array has no columns, so a transformer with this
    mixin accepts the request (for the steps after it, such as an embedder
    whose feature vectors do become a DataFrame) and still returns arrays.

    Put it before ``TransformerMixin`` in the bases.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator, TransformerMixin
    >>> from skcxr.utils._set_output import ImageOutputMixin
    >>> class Identity(ImageOutputMixin, TransformerMixin, BaseEstimator):
    ...     def fit(self, X, y=None):
    ...         return self
    ...     def transform(self, X):
    ...         return X
    >>> images = np.zeros((2, 4, 4, 1))
    >>> Identity().set_output(transform="pandas").fit_transform(images).shape
    (2, 4, 4, 1)
    """

    def set_output(self, *, transform=None):
        """Accept an output container and keep returning image arrays.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            The container the pipeline asks for; image arrays stay arrays
            whatever it is.

        Returns
        -------
        self : estimator
            The estimator, unchanged.
        """
        if transform not in _CONTAINERS:
            raise ValueError(
                f"set_output(transform=...) must be one of {list(_CONTAINERS)}, got {transform!r}"
            )
        return self
