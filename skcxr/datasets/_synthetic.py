"""Synthetic chest X-ray-like images for tests, examples and benchmarks."""

import functools
import os
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from scipy import ndimage
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

SYNTHETIC_SOURCE = "synthetic"

# Lung fields in unit coordinates (x right, y down) of a chest centred at
# (0.5, 0.5) with scale 1: (centre x, centre y, half width, half height).
_LUNGS = ((0.31, 0.47, 0.15, 0.29), (0.69, 0.47, 0.15, 0.29))
# The heart shadow (same convention), on the patient's left = the image's right.
_HEART = (0.56, 0.66, 0.14, 0.11)


def _grid(image_size):
    y, x = np.mgrid[0:image_size, 0:image_size].astype(np.float64)
    return (x + 0.5) / image_size, (y + 0.5) / image_size


def _ellipse(x, y, cx, cy, rx, ry):
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0


def _synthetic_lung_mask(image_size, center_x=0.5, center_y=0.5, scale=1.0):
    """Boolean mask of the two lung fields of a synthetic image.

    Parameters
    ----------
    image_size : int
        Side of the square mask; the geometry is resolution-free, so a mask can
        be drawn at the size an image was resized to.
    center_x, center_y, scale : float
        The chest geometry of one image: the ``center_x``, ``center_y`` and
        ``scale`` columns of the table :func:`make_synthetic_cxr` returns.

    Returns
    -------
    mask : ndarray of bool, shape (image_size, image_size)
    """
    x, y = _grid(int(image_size))
    mask = np.zeros(x.shape, dtype=bool)
    for lx, ly, rx, ry in _LUNGS:
        mask |= _shape(x, y, (lx, ly, rx, ry), center_x, center_y, scale)
    return mask & ~_shape(x, y, _HEART, center_x, center_y, scale)


def _shape(x, y, geometry, center_x, center_y, scale):
    gx, gy, rx, ry = geometry
    return _ellipse(x, y, center_x + (gx - 0.5) * scale, center_y + (gy - 0.5) * scale,
                    rx * scale, ry * scale)


def _synthetic_lung_masks(table, image_size):
    """Lung masks, shape (n, image_size, image_size), for the rows of a synthetic table."""
    return np.stack([
        _synthetic_lung_mask(image_size, cx, cy, s)
        for cx, cy, s in table[["center_x", "center_y", "scale"]].itertuples(index=False)
    ])


def _draw(rng, image_size, covid, center_x, center_y, scale):
    """One image as float in [0, 1]."""
    s = image_size
    x, y = _grid(s)
    body_level = rng.uniform(0.5, 0.7)
    img = np.full((s, s), rng.uniform(0.02, 0.12))
    # torso, shoulders and neck
    for part in ((0.5, 0.62, 0.45, 0.55), (0.5, 0.36, 0.5, 0.2)):  # torso, shoulders
        img[_shape(x, y, part, center_x, center_y, scale)] = body_level
    img[(np.abs(x - center_x) < 0.075 * scale) & (y < center_y)] = body_level  # neck
    lungs = _synthetic_lung_mask(s, center_x, center_y, scale)
    lung_level = body_level - rng.uniform(0.3, 0.42)
    img[lungs] = lung_level
    # ribs: faint bright bands across the lung fields
    phase = rng.uniform(0, 2 * np.pi)
    ribs = np.sin(2 * np.pi * (y - center_y) / (0.075 * scale) + 6 * (x - center_x) ** 2 + phase)
    img += 0.07 * (ribs > 0.55) * lungs
    # spine and mediastinum: brighter column between the lungs
    img += 0.12 * np.exp(-(((x - center_x) / (0.05 * scale)) ** 2)) * (img > 0.3)
    # lower lung zones a little denser (diaphragm overlap), as in real films
    img += 0.05 * np.clip((y - center_y) / (0.27 * scale), 0, 1) * lungs
    if covid:
        # diffuse, patchy ground-glass opacities inside both lung fields: a coarse
        # envelope (where) times a fine mottled texture (what it looks like)
        coarse = ndimage.gaussian_filter(rng.standard_normal((s, s)), sigma=s / 16)
        coarse /= coarse.std() + 1e-12
        envelope = np.clip(coarse + rng.uniform(0.4, 1.0), 0, 1)
        fine = ndimage.gaussian_filter(rng.standard_normal((s, s)), sigma=max(s / 64, 0.7))
        mottle = np.clip(fine / (fine.std() + 1e-12), 0, 2)
        added = rng.uniform(0.35, 0.45) * envelope * (0.3 + mottle) * lungs
        # darken the whole film by what the opacities add, so that the mean
        # brightness of an image says nothing about its class
        img += added - added.mean()
    img = ndimage.gaussian_filter(img, sigma=max(s / 128, 0.5))
    img = img * rng.uniform(0.9, 1.1) + rng.normal(0, 0.025, img.shape)
    return np.clip(img, 0, 1)


def _refuse_swapped_arguments(func):
    """Say so when ``n_samples`` and ``directory`` were given the wrong way round.

    Runs before the parameter validation, whose message would only say that
    a path is not an int.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        bound = dict(zip(("n_samples", "directory"), args), **kwargs)
        n_samples, directory = bound.get("n_samples"), bound.get("directory")
        if (isinstance(n_samples, (str, os.PathLike)) and isinstance(directory, Integral)
                and not isinstance(directory, bool)):
            raise TypeError(
                f"make_synthetic_cxr(n_samples, directory): the arguments look swapped, got "
                f"n_samples={n_samples!r} and directory={directory!r}; call "
                f"make_synthetic_cxr({directory!r}, {str(n_samples)!r})"
            )
        return func(*args, **kwargs)

    return wrapper


@_refuse_swapped_arguments
@validate_params(
    {
        "n_samples": [Interval(Integral, 2, None, closed="left")],
        "directory": [str, os.PathLike],
        "image_size": [Interval(Integral, 16, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_synthetic_cxr(n_samples, directory, *, image_size=128, random_state=None):
    """Write synthetic chest X-ray-like PNGs and return their table.

    Each image is an 8-bit grayscale PNG: a dark background, a bright chest
    silhouette with shoulders, neck, spine and mediastinum, two darker lung
    fields crossed by faint ribs, blur and noise; position, scale, brightness
    and contrast vary per image. ``covid`` images also carry diffuse, patchy
    opacities inside the lung fields (never outside them), and the whole film
    is darkened by the mean they add: the classes differ by where the light
    is, not by how much (a classifier of mean and spread of brightness stays
    near chance). About a third of the patients have two
    images (same chest, slightly shifted; same label), so grouping by
    ``patientid`` matters.

    Parameters
    ----------
    n_samples : int
        Number of images (>= 2); ``n_samples // 2`` are covid.
    directory : str or path-like
        Folder the PNGs are written to (created if needed; files named
        ``synthetic-<patient>-<k>.png`` are overwritten).
    image_size : int, default=128
        Side of the square images, >= 16.
    random_state : int, RandomState instance or None, default=None
        Seeds everything: the same seed writes the same pixels.

    Returns
    -------
    table : pandas.DataFrame
        One row per image with the columns of the table contract: ``path``
        (absolute), ``label`` (``"covid"`` / ``"non-covid"``), ``patientid``
        (``"synthetic:NNNN"``), ``source`` (``"synthetic"``), ``view``
        (``"PA"``), ``finding`` (``"COVID-19"`` / ``"No Finding"``), ``sex``,
        ``age``; and the chest geometry ``center_x``, ``center_y``, ``scale``
        (unit coordinates) from which the lung fields can be redrawn.

    Examples
    --------
    >>> import tempfile
    >>> from skcxr.datasets import make_synthetic_cxr
    >>> table = make_synthetic_cxr(20, tempfile.mkdtemp(), image_size=64, random_state=0)
    >>> table["label"].value_counts().to_dict()
    {'covid': 10, 'non-covid': 10}
    >>> table["patientid"].nunique() < len(table)
    True
    """
    n_samples, image_size = int(n_samples), int(image_size)
    directory = Path(directory).expanduser().resolve()
    directory.mkdir(parents=True, exist_ok=True)
    rng = check_random_state(random_state)

    # patients: per class, about a third of the images belong to 2-image patients
    patients = []
    for label, n in (("covid", n_samples // 2), ("non-covid", n_samples - n_samples // 2)):
        n_pairs = n // 6
        patients += [(label, 2)] * n_pairs + [(label, 1)] * (n - 2 * n_pairs)
    order = rng.permutation(len(patients))

    rows = []
    for number, index in enumerate(order):
        label, n_images = patients[index]
        center_x, center_y = 0.5 + rng.uniform(-0.05, 0.05, size=2)
        scale = rng.uniform(0.85, 1.05)
        sex, age = rng.choice(["F", "M"]), float(rng.randint(18, 90))
        for k in range(n_images):
            if k:  # a follow-up film: the same chest, slightly moved
                center_x += rng.uniform(-0.015, 0.015)
                center_y += rng.uniform(-0.015, 0.015)
            pixels = _draw(rng, image_size, label == "covid", center_x, center_y, scale)
            path = directory / f"synthetic-{number:04d}-{k + 1}.png"
            Image.fromarray(np.round(pixels * 255).astype(np.uint8), mode="L").save(
                path, compress_level=1)
            rows.append({
                "path": str(path), "label": label, "patientid": f"synthetic:{number:04d}",
                "source": SYNTHETIC_SOURCE, "view": "PA",
                "finding": "COVID-19" if label == "covid" else "No Finding",
                "sex": sex, "age": age,
                "center_x": center_x, "center_y": center_y, "scale": scale,
            })
    return pd.DataFrame(rows)
