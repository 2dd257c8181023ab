"""XRayLoader: image paths -> one 4-D array, as a stateless sklearn transformer."""

import os
import sys
import time
from numbers import Integral

import numpy as np
from joblib import Parallel, cpu_count, delayed, effective_n_jobs
from joblib.parallel import get_active_backend
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions

from .._workers import dask_worker_threads
from ..utils._set_output import ImageOutputMixin
from ._dicom_io import check_dicom_voi
from ._io import COLOR_MODES, RESIZE_MODES, check_size, read_image

__all__ = ["XRayLoader"]

_DTYPES = {"float32": np.float32, "uint8": np.uint8}
_CHUNK = 32  # images per joblib task: amortises dispatch, still balances load
_MAX_THREADS = 8

#: ``n_jobs`` as joblib reads it: None, or a non-zero int (negative counts from the cores).
N_JOBS_CONSTRAINT = [
    Interval(Integral, None, -1, closed="right"),
    Interval(Integral, 1, None, closed="left"),
    None,
]


def _resolve_n_jobs(n_jobs):
    """Threads to decode with; ``None`` means all cores outside joblib workers."""
    if n_jobs is not None:
        return effective_n_jobs(n_jobs)
    worker_threads = dask_worker_threads()
    if worker_threads is not None:  # inside a task on a Dask worker: its own threads
        return worker_threads
    backend, context_n_jobs = get_active_backend()
    if context_n_jobs is not None:  # inside joblib.parallel_config(n_jobs=...)
        return effective_n_jobs(context_n_jobs)
    if getattr(backend, "nesting_level", 0):  # inside a joblib worker: no nesting
        return 1
    return max(1, min(cpu_count(), _MAX_THREADS))


def _as_path_list(X, path_column):
    """Turn the accepted input kinds into a list of str paths (no file access)."""
    if isinstance(X, (str, bytes, os.PathLike)):
        raise TypeError(
            "XRayLoader expects a sequence of image paths (list, 1-D array, Series "
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
                "XRayLoader expects a 1-D sequence of image paths, got an array of "
                f"shape {X.shape}; pass a DataFrame and path_column to select a column"
            )
        X = X.tolist()
    try:
        items = list(X)
    except TypeError:
        raise TypeError(
            f"XRayLoader expects a sequence of image paths, got {type(X).__name__}"
        ) from None
    if not items:
        raise ValueError("XRayLoader received an empty input: 0 image paths")
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


def _read_chunk(paths, options):
    return np.stack([read_image(p, **options) for p in paths])


class XRayLoader(ImageOutputMixin, TransformerMixin, BaseEstimator):
    """Load image files into one ``(n, height, width, channels)`` array.

    The first step of every skcxr pipeline. Stateless: :meth:`fit` only
    validates, :meth:`transform` decodes every path with
    :func:`~skcxr.preprocessing.read_image` (format by content, alpha
    composited on black, 16-bit images scaled by their own range, JPEG
    DCT-domain downscaling) and returns one row per path, in order. A file
    that cannot be read raises an error naming it; no row is ever dropped.

    Parameters
    ----------
    size : (int, int), default=(128, 128)
        Output ``(height, width)``.
    color_mode : {"grayscale", "rgb"}, default="grayscale"
        One channel (ITU-R 601-2 luma) or three.
    resize : {"stretch", "crop", "pad"}, default="crop"
        ``"stretch"`` resizes the whole image to ``size`` (the study's way);
        ``"crop"`` takes the largest centred region with the aspect ratio of
        ``size`` (a centre square for square sizes) and resizes it; ``"pad"``
        fits the whole image inside ``size`` and pads with black.
    dtype : {"float32", "uint8"}, default="float32"
        ``"float32"`` scaled to [0, 1], or ``"uint8"`` 0..255 (4x less memory).
    path_column : str, default="path"
        Column holding the paths when ``X`` is a DataFrame.
    n_jobs : int or None, default=None
        Threads decoding in parallel (Pillow releases the GIL while decoding
        and resizing, and threads share the output array, so they cost no
        memory). Unlike most scikit-learn estimators, ``None`` does not mean
        1: it means the ``n_jobs`` of an enclosing
        :func:`joblib.parallel_config` if one is set, else 1 inside a joblib
        worker (e.g. ``GridSearchCV(n_jobs=4)``: no nested oversubscription),
        the worker's thread count on a Dask worker, else one thread per CPU
        core (at most 8). ``1`` is strictly
        sequential; ``-1`` uses all cores. The output never depends on it.
    verbose : int, default=0
        ``>0`` prints progress to stderr on loads of more than 100 images.
    dicom_voi : "auto", int, (float, float) or None, default="auto"
        DICOM files only (read with pydicom, ``pip install 'skcxr[dicom]'``,
        decoded in the same threads, though the JPEG / JPEG 2000 decoders hold
        the GIL, so compressed DICOM gains little from them): the VOI
        transform, see :func:`~skcxr.preprocessing.read_image` and
        :ref:`dicom`.

    See Also
    --------
    skcxr.preprocessing.read_image : Decode one file.
    skcxr.preprocessing.XRayNormalizer : Per-image contrast normalisation.

    Notes
    -----
    The loader reads files, so :class:`~sklearn.pipeline.Pipeline` with
    ``memory=`` caches its output keyed on the paths and parameters, not on
    file contents: clear the cache if files change in place. With a cache, a
    grid search over later steps decodes each training fold once instead of
    once per candidate.

    ``n_features_in_`` and ``feature_names_in_`` are not set: the input is a
    1-D list of paths, not a feature matrix.

    The defaults (128 px, centre crop) are those of
    :data:`skcxr.pipeline.DEFAULT_PARAMS`, chosen by measurement.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> from skcxr import XRayLoader
    >>> folder = tempfile.mkdtemp()
    >>> paths = []
    >>> for i in range(3):
    ...     paths.append(os.path.join(folder, f"{i}.png"))
    ...     Image.fromarray(np.full((60, 80), 50 * i, dtype=np.uint8)).save(paths[-1])
    >>> X = XRayLoader(size=(32, 32), resize="stretch").fit_transform(paths)
    >>> X.shape, X.dtype
    ((3, 32, 32, 1), dtype('float32'))
    >>> [round(float(v), 3) for v in X.max(axis=(1, 2, 3))]
    [0.0, 0.196, 0.392]
    >>> XRayLoader(size=(8, 8), color_mode="rgb", dtype="uint8").transform(paths).shape
    (3, 8, 8, 3)
    """

    _parameter_constraints = {
        "size": "no_validation",  # a pair: checked by check_size, which names the rule
        "color_mode": [StrOptions(set(COLOR_MODES))],
        "resize": [StrOptions(set(RESIZE_MODES))],
        "dtype": [StrOptions(set(_DTYPES))],
        "path_column": [str],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
        "dicom_voi": "no_validation",  # "auto", None or a window index: checked by check_dicom_voi
    }

    def __init__(
        self,
        size=(128, 128),
        color_mode="grayscale",
        resize="crop",
        dtype="float32",
        path_column="path",
        n_jobs=None,
        verbose=0,
        dicom_voi="auto",
    ):
        self.size = size
        self.color_mode = color_mode
        self.resize = resize
        self.dtype = dtype
        self.path_column = path_column
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.dicom_voi = dicom_voi

    def _validate_params(self):
        super()._validate_params()  # _parameter_constraints
        check_size(self.size, "size")
        check_dicom_voi(self.dicom_voi)

    def fit(self, X, y=None):
        """Validate the parameters and the input; learn nothing.

        Parameters
        ----------
        X : list, 1-D array or Series of str / os.PathLike, or DataFrame
            Image paths (a DataFrame must hold them in ``path_column``).
            Files are not opened here.
        y : None
            Ignored.

        Returns
        -------
        self : XRayLoader
            The loader (it learns nothing from the paths).

        Examples
        --------
        >>> from skcxr import XRayLoader
        >>> XRayLoader().fit(["a.png", "b.jpg"]).size
        (128, 128)
        """
        self._validate_params()
        _as_path_list(X, self.path_column)
        return self

    def transform(self, X):
        """Decode every path into one array, one row per path, in order.

        Parameters
        ----------
        X : list, 1-D array or Series of str / os.PathLike, or DataFrame
            Image paths (a DataFrame must hold them in ``path_column``).

        Returns
        -------
        images : ndarray of shape (n_paths, height, width, channels)
            ``float32`` in [0, 1] or ``uint8``; ``channels`` is 1 for
            grayscale, 3 for rgb.

        Raises
        ------
        FileNotFoundError, IsADirectoryError, ImageReadError
            A path that is missing, a directory, or not a decodable image
            (the message names it).

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from PIL import Image
        >>> from skcxr import XRayLoader
        >>> path = os.path.join(tempfile.mkdtemp(), "x.jpg")
        >>> Image.fromarray(np.zeros((50, 50, 3), dtype=np.uint8)).save(path)
        >>> XRayLoader(size=(10, 20), color_mode="rgb").transform([path]).shape
        (1, 10, 20, 3)
        """
        self._validate_params()
        paths = _as_path_list(X, self.path_column)
        height, width = check_size(self.size)
        channels = 1 if self.color_mode == "grayscale" else 3
        out = np.empty((len(paths), height, width, channels), dtype=_DTYPES[self.dtype])
        options = dict(color_mode=self.color_mode, size=(height, width), resize=self.resize,
                       dicom_voi=self.dicom_voi)
        n_jobs = _resolve_n_jobs(self.n_jobs)
        step = max(1, min(_CHUNK, -(-len(paths) // (4 * n_jobs))))
        chunks = [paths[i : i + step] for i in range(0, len(paths), step)]
        show = self.verbose and len(paths) > 100
        start, done, next_report = time.perf_counter(), 0, 0.0
        if n_jobs == 1 or len(chunks) == 1:
            results = (_read_chunk(chunk, options) for chunk in chunks)
        else:
            # On a Dask worker joblib's active backend is Dask: threads must be
            # asked for, or each chunk becomes a task and the fit's own task
            # secedes, letting the worker start a second fit beside it.
            backend = "threading" if dask_worker_threads() is not None else None
            results = Parallel(n_jobs=n_jobs, backend=backend, prefer="threads",
                               return_as="generator", verbose=0)(
                delayed(_read_chunk)(chunk, options) for chunk in chunks
            )
        for chunk_images in results:
            rows = out[done : done + len(chunk_images)]
            chunk_images = chunk_images.reshape(rows.shape)
            if self.dtype == "uint8":
                rows[...] = chunk_images
            else:
                np.divide(chunk_images, np.float32(255), out=rows)
            done += len(chunk_images)
            if show and (done / len(paths) >= next_report or done == len(paths)):
                elapsed = time.perf_counter() - start
                print(
                    f"[XRayLoader] {done}/{len(paths)} images "
                    f"({elapsed:.1f} s, {done / max(elapsed, 1e-9):.0f} img/s)",
                    file=sys.stderr,
                    flush=True,
                )
                next_report += 0.1
        if done != len(paths):  # pragma: no cover - guards the no-drop contract
            raise RuntimeError(f"XRayLoader decoded {done} of {len(paths)} images")
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.one_d_array = True
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = False
        tags.non_deterministic = False
        tags.transformer_tags.preserves_dtype = []
        return tags
