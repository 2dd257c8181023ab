"""XRayNormalizer: per-image contrast normalisation built on skimage.exposure."""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from skimage import exposure
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils._set_output import ImageOutputMixin
from ._loader import N_JOBS_CONSTRAINT, _resolve_n_jobs

__all__ = ["XRayNormalizer"]

METHODS = ("hist", "clahe", "none")
_CHUNK = 64


_LEVELS = np.arange(256)


def _as_uint8(image):
    if image.dtype == np.uint8:
        return image
    return np.rint(image * 255).astype(np.uint8)


def _equalize(image, method, clip_limit, kernel_size, nbins):
    """Equalise one (h, w, c) image; returns uint8 or floats in [0, 1]."""
    if image.max() == image.min():  # no contrast to normalise: leave it alone
        return image
    if method == "hist":
        # skimage.exposure.equalize_hist on the 256 gray levels, as a lookup
        # table: the same numbers as equalize_hist(uint8 image), 10x faster
        # than interpolating every pixel. One histogram over all channels
        # (keeps the relative order of R, G and B).
        levels = _as_uint8(image)
        cdf, centers = exposure.cumulative_distribution(levels.reshape(-1), nbins=256)
        return np.interp(_LEVELS, centers, cdf)[levels]
    if image.shape[-1] == 3:  # skimage equalises the V channel of HSV
        return exposure.equalize_adapthist(
            image, kernel_size=kernel_size, clip_limit=clip_limit, nbins=nbins
        )
    out = np.empty(image.shape, dtype=np.float64)
    for c in range(image.shape[-1]):
        out[..., c] = exposure.equalize_adapthist(
            image[..., c], kernel_size=kernel_size, clip_limit=clip_limit, nbins=nbins
        )
    return out


def _equalize_chunk(images, out, method, clip_limit, kernel_size, nbins):
    for image, target in zip(images, out):
        result = _equalize(image, method, clip_limit, kernel_size, nbins)
        if target.dtype == np.uint8 and result.dtype != np.uint8:
            result = np.rint(np.clip(result, 0.0, 1.0) * 255)
        target[...] = result


class XRayNormalizer(ImageOutputMixin, TransformerMixin, BaseEstimator):
    """Per-image contrast normalisation of X-ray arrays (stateless).

    Sits between :class:`~skcxr.XRayLoader` and the classifier so that a grid
    search can switch normalisation on and off. Each image is normalised on
    its own (nothing is learned from the training set), the result is
    deterministic and has the input's shape and dtype: ``float32`` (or
    ``float64``) stays float in [0, 1], ``uint8`` stays ``uint8`` in 0..255.

    Parameters
    ----------
    method : {"hist", "clahe", "none"}, default="clahe"
        ``"hist"``: global histogram equalisation
        (:func:`skimage.exposure.equalize_hist` on 256 gray levels: float
        images are quantised to ``round(x * 255)`` first, so uint8 and float
        input give the same result; one histogram over all channels). ``"clahe"``: contrast-limited adaptive histogram
        equalisation (:func:`skimage.exposure.equalize_adapthist`; 3-channel
        images are equalised on the V channel of HSV, other channel counts
        channel by channel). ``"none"``: returns the input unchanged.
    clip_limit : float, default=0.01
        CLAHE clipping limit in (0, 1]; higher gives more contrast.
    kernel_size : int, (int, int) or None, default=None
        CLAHE tile size; ``None`` is 1/8 of the image height and width.
    nbins : int, default=256
        Histogram bins of CLAHE (``"hist"`` always uses 256 levels).
    n_jobs : int or None, default=None
        Threads, with the same meaning as in :class:`~skcxr.XRayLoader`
        (``None``: all cores outside joblib workers). Output never depends on it.

    See Also
    --------
    skcxr.XRayLoader : Produces the arrays this transformer takes.

    Notes
    -----
    Constant images (no contrast) are returned unchanged. Black padding from
    ``XRayLoader(resize="pad")`` counts in the histogram like any pixel.

    The default, CLAHE, is that of :data:`skcxr.pipeline.DEFAULT_PARAMS`
    (it beat global equalisation in the measurements).

    Examples
    --------
    >>> import numpy as np
    >>> from skcxr.preprocessing import XRayNormalizer
    >>> rng = np.random.default_rng(0)
    >>> X = (rng.random((4, 32, 32, 1)) * 0.3 + 0.2).astype(np.float32)
    >>> Xt = XRayNormalizer(method="hist").fit_transform(X)
    >>> Xt.shape, Xt.dtype, float(X.max()) < 0.51, float(Xt.max())
    ((4, 32, 32, 1), dtype('float32'), True, 1.0)
    >>> XRayNormalizer(method="clahe").transform((X * 255).astype(np.uint8)).dtype
    dtype('uint8')
    """

    _parameter_constraints = {
        "method": [StrOptions(set(METHODS))],
        "clip_limit": [Interval(Real, 0, 1, closed="right")],
        "kernel_size": [Interval(Integral, 1, None, closed="left"), tuple, list, None],
        "nbins": [Interval(Integral, 2, None, closed="left")],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, method="clahe", clip_limit=0.01, kernel_size=None, nbins=256, n_jobs=None):
        self.method = method
        self.clip_limit = clip_limit
        self.kernel_size = kernel_size
        self.nbins = nbins
        self.n_jobs = n_jobs

    def _validate_params(self):
        super()._validate_params()  # _parameter_constraints
        ks = self.kernel_size  # a tuple's items: a rule sklearn's constraints cannot state
        if isinstance(ks, (tuple, list)) and not all(
            isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in ks
        ):
            raise ValueError(
                f"kernel_size must be None, a positive int or a tuple of them, got {ks!r}"
            )

    @staticmethod
    def _validate_data(X):
        X = np.asarray(X)
        if X.ndim != 4:
            raise ValueError(
                "XRayNormalizer expects a 4-D array (n_images, height, width, channels) "
                f"as XRayLoader returns, got shape {X.shape}"
            )
        if X.shape[0] == 0:
            raise ValueError("XRayNormalizer received an empty input: 0 images")
        if X.dtype != np.uint8 and not np.issubdtype(X.dtype, np.floating):
            raise TypeError(
                f"XRayNormalizer expects uint8 or float images, got dtype {X.dtype}"
            )
        if X.dtype != np.uint8:
            if not np.isfinite(X).all():
                raise ValueError("XRayNormalizer input contains NaN or infinity")
            lo, hi = float(X.min()), float(X.max())
            if lo < 0 or hi > 1:
                raise ValueError(
                    f"float images must lie in [0, 1], got values in [{lo:.4g}, {hi:.4g}]"
                )
        return X

    def fit(self, X, y=None):
        """Validate parameters and input; learn nothing.

        Parameters
        ----------
        X : array-like of shape (n_images, height, width, channels)
            ``uint8`` or float in [0, 1].
        y : None
            Ignored.

        Returns
        -------
        self : XRayNormalizer
            The fitted normalizer.

        Examples
        --------
        >>> import numpy as np
        >>> from skcxr.preprocessing import XRayNormalizer
        >>> XRayNormalizer().fit(np.zeros((2, 8, 8, 1), dtype=np.uint8)).method
        'clahe'
        """
        self._validate_params()
        self._validate_data(X)
        return self

    def transform(self, X):
        """Normalise every image independently.

        Parameters
        ----------
        X : array-like of shape (n_images, height, width, channels)
            ``uint8`` or float in [0, 1]. Not modified.

        Returns
        -------
        X_new : ndarray of the same shape and dtype as ``X``
            The normalized images.

        Examples
        --------
        >>> import numpy as np
        >>> from skcxr.preprocessing import XRayNormalizer
        >>> X = np.linspace(0.4, 0.6, 2 * 16 * 16, dtype=np.float32).reshape(2, 16, 16, 1)
        >>> Xt = XRayNormalizer(method="hist").transform(X)
        >>> Xt.dtype, round(float(Xt.min()), 3), float(Xt.max())
        (dtype('float32'), 0.023, 1.0)
        """
        self._validate_params()
        X = self._validate_data(X)
        if self.method == "none":
            return X
        out = np.empty_like(X)
        args = (self.method, self.clip_limit, self.kernel_size, self.nbins)
        bounds = range(0, len(X), _CHUNK)
        n_jobs = _resolve_n_jobs(self.n_jobs)
        if n_jobs == 1 or len(X) <= _CHUNK:
            for i in bounds:
                _equalize_chunk(X[i : i + _CHUNK], out[i : i + _CHUNK], *args)
        else:  # threads write straight into ``out``
            Parallel(n_jobs=n_jobs, require="sharedmem")(
                delayed(_equalize_chunk)(X[i : i + _CHUNK], out[i : i + _CHUNK], *args)
                for i in bounds
            )
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.positive_only = True
        tags.input_tags.allow_nan = False
        tags.requires_fit = False
        tags.non_deterministic = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32", "uint8"]
        return tags
