"""The share of a heatmap's mass inside a region, and a central lung-field proxy."""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["central_mask", "lung_focus"]


@validate_params(
    {"heatmap": ["array-like"], "mask": ["array-like"]}, prefer_skip_nested_validation=True
)
def lung_focus(heatmap, mask):
    """Share of a heatmap's mass that falls inside a region.

    ``sum(heatmap * mask) / sum(heatmap)`` per image. A heatmap spread
    evenly over the image scores the region's share of the image area
    (``mask.mean()``), the chance level to compare with.

    Parameters
    ----------
    heatmap : array of shape (height, width) or (n_samples, height, width)
        Non-negative maps, e.g. from :func:`grad_cam`.
    mask : array of shape (height, width) or (n_samples, height, width)
        The region (bool, or 0/1); one mask for all maps or one per map.

    Returns
    -------
    focus : float or ndarray of shape (n_samples,)
        In [0, 1]; NaN for a map without mass (all zeros).

    Examples
    --------
    >>> import numpy as np
    >>> from skcxr.explain import lung_focus, central_mask
    >>> heatmap = np.zeros((10, 10)); heatmap[4:6, 4:6] = 1.0; heatmap[0, 0] = 4.0
    >>> lung_focus(heatmap, central_mask((10, 10)))
    0.5
    >>> lung_focus(np.stack([heatmap, np.ones((10, 10))]), central_mask((10, 10), margin=0.25))
    array([0.5 , 0.36])
    """
    heatmap = np.asarray(heatmap, dtype=np.float64)
    mask = np.asarray(mask)
    if heatmap.ndim not in (2, 3):
        raise ValueError(
            f"lung_focus: heatmap must have shape (height, width) or (n, height, width), "
            f"got {heatmap.shape}"
        )
    if mask.ndim not in (2, 3) or mask.shape[-2:] != heatmap.shape[-2:] or (
        mask.ndim == 3 and (heatmap.ndim != 3 or len(mask) != len(heatmap))
    ):
        raise ValueError(
            f"lung_focus: mask of shape {mask.shape} does not fit heatmap of shape "
            f"{heatmap.shape}; give one (height, width) mask or one per heatmap"
        )
    if mask.dtype != bool:
        if not np.isin(mask, (0, 1)).all():
            raise ValueError("lung_focus: mask must be boolean or hold only 0 and 1")
        mask = mask.astype(bool)
    if not np.isfinite(heatmap).all() or (heatmap < 0).any():
        raise ValueError("lung_focus: heatmap values must be finite and non-negative")
    total = heatmap.sum(axis=(-2, -1))
    inside = (heatmap * mask).sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        focus = np.where(total > 0, inside / np.where(total > 0, total, 1.0), np.nan)
    return float(focus) if heatmap.ndim == 2 else focus


@validate_params(
    {
        "shape": [tuple, list],
        "margin": [Interval(numbers.Real, 0, 0.5, closed="left"), tuple, list],
    },
    prefer_skip_nested_validation=True,
)
def central_mask(shape, *, margin=0.15):
    """A central rectangle: a crude lung-field proxy for frontal chest X-rays.

    Removes ``margin`` of the height at the top and bottom and of the width
    at the left and right, cutting off where shortcuts usually live (text
    markers and labels in the corners, the borders, the shoulders and neck,
    the abdomen). It is not a lung segmentation: it includes the heart and
    mediastinum and misses lung tissue of off-centre or rotated films.

    Parameters
    ----------
    shape : tuple of int
        ``(height, width)`` (extra trailing or leading dimensions of an
        image array are not accepted; pass ``images.shape[1:3]``).
    margin : float or (float, float), default=0.15
        Fraction cut off each side, one value or ``(vertical, horizontal)``;
        each in [0, 0.5). The rectangle covers ``(1 - 2 m_v) (1 - 2 m_h)`` of
        the image (0.49 by default).

    Returns
    -------
    mask : ndarray of bool, shape (height, width)
        True inside the central rectangle.

    Examples
    --------
    >>> from skcxr.explain import central_mask
    >>> central_mask((6, 4), margin=(1 / 3, 0.25)).astype(int)
    array([[0, 0, 0, 0],
           [0, 0, 0, 0],
           [0, 1, 1, 0],
           [0, 1, 1, 0],
           [0, 0, 0, 0],
           [0, 0, 0, 0]])
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"central_mask: shape must be (height, width), got {shape}")
    margins = (margin, margin) if isinstance(margin, numbers.Real) else tuple(margin)
    if len(margins) != 2 or not all(isinstance(m, numbers.Real) and 0 <= m < 0.5 for m in margins):
        raise ValueError(
            f"central_mask: margin must be a float or two floats in [0, 0.5), got {margin!r}"
        )
    mask = np.zeros(shape, dtype=bool)
    (h, w), (mv, mh) = shape, margins
    top, left = int(round(mv * h)), int(round(mh * w))
    mask[top:h - top, left:w - left] = True
    return mask
