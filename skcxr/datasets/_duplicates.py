"""Finding images with the same pixel content under different names."""

import os
from functools import lru_cache

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, validate_params

from ..preprocessing import read_image


@lru_cache(maxsize=8192)
def _cached_thumbnail(path, mtime_ns, size):
    # the one decoder: 16-bit images keep their range, DICOM is read, and the
    # error names the file. No JPEG draft: DCT-domain downscaling of a
    # re-encoded copy lowers its correlation with the original (0.95 instead
    # of 0.998 on the doctest's noise picture); full decoding costs +20% here.
    image = read_image(path, size=(size, size), resample="bilinear", draft=False)
    return image.astype(np.float64).ravel()


def _thumbnail(path, size):
    return _cached_thumbnail(str(path), os.stat(path).st_mtime_ns, size)


@validate_params(
    {
        "paths": ["array-like"],
        "threshold": [Interval(Real, -1, 1, closed="both")],
        "thumbnail_size": [Interval(Integral, 2, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def find_duplicate_images(paths, *, threshold=0.97, thumbnail_size=32):
    """Find pairs of images that show the same picture.

    Every image is decoded to grayscale by
    :func:`skcxr.preprocessing.read_image` (the decoder the loader uses, so
    16-bit and DICOM images keep their contrast) and shrunk to a
    ``thumbnail_size`` square; two images are duplicates when the Pearson correlation of their
    thumbnails is at least ``threshold``. This catches copies that were
    re-encoded, resized, re-cropped by a few pixels, re-contrasted or
    annotated (their correlation stays near 1), which comparing bytes
    cannot; byte-identical and pixel-identical copies correlate at 1.0.

    Parameters
    ----------
    paths : sequence of str or path-like
        The images.
    threshold : float, default=0.97
        Lowest correlation counted as the same picture. On the COVID-19
        image collection, copies filed under two patient ids correlate at
        0.977 or more and the closest pair of different pictures of
        different patients at 0.947 (thumbnails by ``read_image``; the
        earlier Pillow-only thumbnails gave 0.976 and 0.949).
    thumbnail_size : int, default=32
        Side of the square thumbnail compared.

    Returns
    -------
    pairs : pandas.DataFrame
        One row per duplicate pair with columns ``first`` and ``second``
        (positions in ``paths``, ``first < second``), ``first_path``,
        ``second_path`` and ``correlation``, sorted by ``first``, ``second``.

    Examples
    --------
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skcxr.datasets import find_duplicate_images
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> rng = np.random.RandomState(0)
    >>> a, b = rng.randint(0, 256, (2, 64, 64)).astype("uint8")
    >>> Image.fromarray(a).save(os.path.join(folder, "a.png"))
    >>> Image.fromarray(b).save(os.path.join(folder, "b.png"))
    >>> Image.fromarray(a).resize((80, 80)).save(os.path.join(folder, "a_copy.jpg"))
    >>> names = ["a.png", "b.png", "a_copy.jpg"]
    >>> pairs = find_duplicate_images([os.path.join(folder, n) for n in names])
    >>> pairs[["first", "second"]].values.tolist()
    [[0, 2]]
    """
    paths = [str(p) for p in paths]
    columns = ["first", "second", "first_path", "second_path", "correlation"]
    if len(paths) < 2:
        return pd.DataFrame(columns=columns)
    thumbs = np.stack([_thumbnail(p, int(thumbnail_size)) for p in paths])
    exact = {}
    for i, t in enumerate(thumbs):  # identical thumbnails, flat ones included
        exact.setdefault(t.tobytes(), []).append(i)
    centred = thumbs - thumbs.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    unit = np.divide(centred, norms, out=np.zeros_like(centred), where=norms > 0)
    corr = unit @ unit.T
    for group in exact.values():
        corr[np.ix_(group, group)] = 1.0
    first, second = np.nonzero(np.triu(corr >= threshold, k=1))
    return pd.DataFrame({
        "first": first,
        "second": second,
        "first_path": [paths[i] for i in first],
        "second_path": [paths[j] for j in second],
        "correlation": np.clip(corr[first, second], -1.0, 1.0).round(4),
    }, columns=columns)


class DuplicateImageWarning(UserWarning):
    """The same picture was found under two names or two patient ids.

    The message is one short line of counts; ``details`` holds one row per
    finding (a DataFrame with columns ``kind``: ``"same file"``, ``"same
    picture"`` or ``"patient ids merged"``; ``path``, ``patientid``,
    ``same_as``, ``same_as_patientid``, ``correlation`` and ``note``, the
    finding in words).

    Parameters
    ----------
    message : str
        The one-line summary.
    details : pandas.DataFrame, default=None
        The findings, one per row.
    """

    def __init__(self, message, details=None):
        super().__init__(message)
        self.details = details

    def __reduce__(self):
        return type(self), (str(self), self.details)


_DETAIL_COLUMNS = ["kind", "path", "patientid", "same_as", "same_as_patientid",
                   "correlation", "note"]


def duplicate_warning(source, notes):
    """One short line of counts; the findings, one per row, in ``details``."""
    details = pd.DataFrame(notes, columns=_DETAIL_COLUMNS)
    counts = details["kind"].value_counts()
    parts = []
    if counts.get("same file"):
        parts.append(f"{counts['same file']} file(s) listed by several rows (counted once)")
    if counts.get("same picture"):
        parts.append(f"{counts['same picture']} picture(s) repeated under another patient id "
                     "(kept once)")
    if counts.get("patient ids merged"):
        parts.append(f"{counts['patient ids merged']} patient id(s) merged")
    message = (f"{source}: " + "; ".join(parts)
               + ". The list: this warning's .details (a DataFrame), or "
               "skcxr.datasets.find_duplicate_images")
    return DuplicateImageWarning(message, details)
