"""ChunkedTransformer: run stateless image steps (loader -> normaliser -> embedder) on
chunks of paths, so that memory follows the chunk, not the dataset."""

import sys
import time
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

__all__ = ["ChunkedTransformer"]


def _n_rows(X):
    if hasattr(X, "shape"):
        return int(X.shape[0])
    return len(X)


def _transform_chunk(transformer, X):
    return np.asarray(transformer.transform(X))


class ChunkedTransformer(TransformerMixin, BaseEstimator):
    """Apply stateless steps to ``chunk_size`` rows at a time and stack the outputs.

    Wrap the image steps of a pipeline (``XRayLoader -> XRayNormalizer ->
    XRayEmbedder``, which learn nothing) so that only one chunk of images is
    ever in memory: 20,000 X-rays at 320 px are 2 GB as ``uint8`` and 8 GB as
    ``float32``, their features 20,000 x d floats. Each chunk goes through
    the steps' ``transform``; the embedder's per-image feature cache works as
    without chunks. With ``n_jobs`` (or an enclosing
    :func:`joblib.parallel_config`, e.g. ``backend="dask"``), chunks of
    *paths* are the tasks and only their features come back: no image array
    is sent between processes.

    Parameters
    ----------
    transformer : estimator with fit and transform
        Steps that learn nothing from the data, typically
        ``Pipeline([("loader", ...), ("normalizer", ...), ("embedder", ...)])``
        or ``make_pretrained_pipeline()[:3]``. ``fit`` fits a clone of it on
        the first chunk (validation only).
    chunk_size : int, default=512
        Rows per chunk (at 320 px: 52 MB of ``uint8`` images, 210 MB as
        ``float32``).
    n_jobs : int or None, default=None
        Chunks transformed in parallel by :class:`joblib.Parallel` (``None``:
        one at a time unless a :func:`joblib.parallel_config` says otherwise).
        In worker processes the fitted steps are sent with each task (an
        embedder fitted with ImageNet weights carries them: ~9 MB).
    verbose : int, default=1
        ``>0`` prints a progress line per chunk to stderr when there are more
        than 4 chunks.

    Attributes
    ----------
    transformer_ : estimator
        The fitted clone of ``transformer``.

    See Also
    --------
    skcxr.features.XRayEmbedder : The frozen backbone.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from PIL import Image
    >>> from sklearn.pipeline import Pipeline
    >>> from skcxr import XRayLoader
    >>> from skcxr.features import ChunkedTransformer, XRayEmbedder
    >>> folder = tempfile.mkdtemp()
    >>> paths = [os.path.join(folder, f"{i}.png") for i in range(5)]
    >>> for i, p in enumerate(paths):
    ...     Image.fromarray(np.full((40, 40), 40 * i, dtype=np.uint8)).save(p)
    >>> steps = Pipeline([("loader", XRayLoader(size=(32, 32))),
    ...                   ("embedder", XRayEmbedder(weights=None,
    ...                                             layer="block_1_expand_relu"))])
    >>> F = ChunkedTransformer(steps, chunk_size=2).fit_transform(paths)
    >>> F.shape
    (5, 96)
    >>> bool(np.allclose(F, steps.fit_transform(paths), atol=1e-6))
    True
    """

    _parameter_constraints = {
        "transformer": [HasMethods(["fit", "transform"])],
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(self, transformer, chunk_size=512, n_jobs=None, verbose=1):
        self.transformer = transformer
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit a clone of ``transformer`` on the first chunk (it learns nothing).

        Parameters
        ----------
        X : sequence of paths, array or DataFrame
            What ``transformer`` takes.
        y : None
            Ignored.

        Returns
        -------
        self : ChunkedTransformer
            Fitted.
        """
        n = _n_rows(X)
        if n == 0:
            raise ValueError("ChunkedTransformer received 0 rows")
        first = _safe_indexing(X, slice(0, min(n, self.chunk_size)))
        self.transformer_ = clone(self.transformer).fit(first)
        return self

    def transform(self, X):
        """The outputs of ``transformer_.transform`` on each chunk, stacked in order.

        Parameters
        ----------
        X : sequence of paths, array or DataFrame
            What ``transformer`` takes.

        Returns
        -------
        Xt : ndarray of shape (n_rows, n_features)
            The rows of every chunk, in input order.
        """
        check_is_fitted(self, "transformer_")
        n = _n_rows(X)
        starts = range(0, n, self.chunk_size)
        chunks = (_safe_indexing(X, slice(s, min(n, s + self.chunk_size))) for s in starts)
        results = Parallel(n_jobs=self.n_jobs, return_as="generator")(
            delayed(_transform_chunk)(self.transformer_, chunk) for chunk in chunks)
        out, done, start = None, 0, time.perf_counter()
        show = self.verbose and len(starts) > 4
        for part in results:
            if out is None:
                out = np.empty((n,) + part.shape[1:], dtype=part.dtype)
            out[done:done + len(part)] = part
            done += len(part)
            if show:
                elapsed = time.perf_counter() - start
                print(f"[ChunkedTransformer] {done}/{n} rows ({elapsed:.1f} s, "
                      f"{done / max(elapsed, 1e-9):.1f} rows/s)", file=sys.stderr, flush=True)
        if done != n:  # pragma: no cover - guards the no-drop contract
            raise RuntimeError(f"ChunkedTransformer transformed {done} of {n} rows")
        return out

    def get_feature_names_out(self, input_features=None):
        """The fitted steps' output names (of the last step, for a pipeline of image steps).

        Parameters
        ----------
        input_features : ignored
            Images and paths have no input feature names.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output column.
        """
        check_is_fitted(self, "transformer_")
        last = self.transformer_
        if isinstance(last, Pipeline):  # a loader's input (paths) has no names to chain
            last = last[-1]
        return last.get_feature_names_out()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.transformer).input_tags
        tags.input_tags.one_d_array = inner.one_d_array
        tags.input_tags.two_d_array = inner.two_d_array
        tags.input_tags.string = inner.string
        tags.non_deterministic = False
        return tags
