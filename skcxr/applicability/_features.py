"""What the gate sees of an image: one decode, a frozen embedding and a few statistics.

Every image is decoded once by :func:`skcxr.preprocessing.read_image` (RGB,
the whole picture fitted inside a square and padded with black, so its shape
and colour survive), embedded once by :class:`skcxr.features.XRayEmbedder`
(which caches features per image in this process) and described by
:func:`image_statistics`. A file that cannot be read gives a reason instead
of features; it never raises for the batch.
"""

import numpy as np
from joblib import Parallel, delayed
from PIL import Image
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ..preprocessing import read_image
from ..utils._parallel import resolve_n_jobs
from ._negatives import _content, pad_square

#: Names of the columns of :func:`image_statistics`, in order.
STATISTICS = (
    "log_height", "log_width",  # of the decoded picture (acquisition geometry)
    "log_aspect",  # log(width / height)
    "colourfulness",  # mean per-pixel spread of R, G, B (0 for a grey film)
    "mean", "std", "p05", "p25", "p50", "p75", "p95",  # grey levels
    "black_share", "white_share",  # pixels at exactly 0 / 255 (clipping, borders)
    "dark_share",  # near-black pixels (the background of CT / MRI)
    "bright_share",  # near-white pixels (pages, screenshots)
    "entropy",  # of the 32-bin grey histogram
    "grey_levels",  # share of the 256 levels used (bit depth, quantisation)
    "symmetry",  # correlation of the picture with its left-right mirror
    "edges",  # mean absolute gradient of a 128 px rendering
    "fine_noise",  # mean absolute Laplacian at full resolution (scanner noise, JPEG)
    "centre_contrast",  # grey level of the central third minus that of the rest
)
_DARK, _BRIGHT = 0.05, 0.95


def read_for_gate(path):
    """``(rgb uint8 array at full size, "")`` or ``(None, reason)`` for one file."""
    try:
        image = read_image(path, color_mode="rgb")
    except (OSError, ValueError, ImportError, RuntimeError, MemoryError) as exc:
        return None, f"unreadable: {exc}"
    return image, ""


def image_statistics(image):
    """Statistics of one RGB uint8 image at its own size (see :data:`STATISTICS`).

    Parameters
    ----------
    image : ndarray of uint8, shape (h, w, 3)

    Returns
    -------
    stats : ndarray of float32, shape (len(STATISTICS),)
    """
    h, w = image.shape[:2]
    spread = float((image.max(axis=-1).astype(np.int16) - image.min(axis=-1)).mean()) / 255
    grey8 = np.asarray(Image.fromarray(image).convert("L"))
    fine = np.abs(np.diff(grey8.astype(np.int16), 2, axis=0)).mean() / 255 if h > 2 else 0.0
    small = np.asarray(Image.fromarray(grey8).resize((128, 128), Image.Resampling.BOX),
                       dtype=np.float32) / 255
    grey = grey8.astype(np.float32) / 255
    counts = np.bincount(grey8.ravel(), minlength=256)
    hist = counts.reshape(32, 8).sum(axis=1).astype(np.float64)
    p = hist[hist > 0] / hist.sum()
    symmetry = float(np.corrcoef(small.ravel(), small[:, ::-1].ravel())[0, 1]) \
        if small.std() > 1e-6 else 1.0
    gy, gx = np.gradient(small)
    centre = np.zeros(small.shape, dtype=bool)
    centre[43:85, 43:85] = True
    return np.array([
        np.log(h), np.log(w), np.log(w / h), spread,
        grey.mean(), grey.std(), *np.percentile(small, [5, 25, 50, 75, 95]),
        counts[0] / grey8.size, counts[255] / grey8.size,
        (small < _DARK).mean(), (small > _BRIGHT).mean(),
        -(p * np.log(p)).sum(), (counts > 0).mean(), symmetry,
        (np.abs(gx) + np.abs(gy)).mean(), fine,
        small[centre].mean() - small[~centre].mean(),
    ], dtype=np.float32)


def describe_file(path, size):
    """``(image fitted in a size square, statistics, "")`` or ``(None, None, reason)``."""
    image, reason = read_for_gate(path)
    if image is None:
        return None, None, reason
    return pad_square(image, size), image_statistics(image), ""


def describe_files(paths, size, n_jobs=None):
    """Decode every path once (threads): ``(squares, statistics, reasons)``.

    ``squares`` (``(n_readable, size, size, 3)`` uint8) and ``statistics``
    hold the readable files, in order; ``reasons`` has one string per path,
    empty when it was read.
    """
    results = Parallel(n_jobs=resolve_n_jobs(n_jobs), prefer="threads")(
        delayed(describe_file)(p, size) for p in paths)
    reasons = [reason for _, _, reason in results]
    kept = [(square, stats) for square, stats, _ in results if square is not None]
    if not kept:
        return np.zeros((0, size, size, 3), np.uint8), np.zeros((0, len(STATISTICS)), np.float32), reasons
    return np.stack([k[0] for k in kept]), np.stack([k[1] for k in kept]), reasons


def embed(squares, embedder):
    """The embedder's features of the squares (cached per image by XRayEmbedder)."""
    if len(squares) == 0:
        return np.zeros((0, 0), np.float32)
    try:
        check_is_fitted(embedder)
    except NotFittedError:
        embedder = embedder.fit(squares[:1])
    return embedder.transform(squares)


def square_statistics(squares):
    """:func:`image_statistics` of images already fitted in their square (made negatives)."""
    return np.stack([image_statistics(_content(s)) for s in squares]).astype(np.float32)
