"""Grad-CAM heatmaps overlaid on the X-rays, in a grid."""

import numbers

import numpy as np

from ._base import require_matplotlib

__all__ = ["plot_grad_cam"]


def _as_gray_images(images):
    """(n, h, w) or (n, h, w, 3) float images in [0, 1] for display."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 3):
        raise ValueError(
            "plot_grad_cam: images must have shape (n, height, width), (n, height, width, 1) "
            f"or (n, height, width, 3), got {images.shape}"
        )
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    return np.clip(images.astype(np.float32), 0.0, 1.0)


def plot_grad_cam(
    images,
    heatmaps,
    *,
    probabilities=None,
    titles=None,
    cmap="jet",
    alpha=0.4,
    ncols=4,
    axes=None,
):
    """Show X-rays with their Grad-CAM heatmaps overlaid, one panel per image.

    Parameters
    ----------
    images : array of shape (n, height, width[, channels])
        The images the heatmaps were computed for (float in [0, 1] or
        uint8; 1 or 3 channels), e.g. the output of
        :class:`~skcxr.XRayLoader`.
    heatmaps : array of shape (n, height, width)
        Maps in [0, 1] from :func:`skcxr.explain.grad_cam`, at the images'
        resolution.
    probabilities : array-like of shape (n,), default=None
        Predicted probability of the explained class, written in each title
        (e.g. ``clf.predict_proba(X)[:, list(clf.classes_).index("covid")]``).
    titles : sequence of str, default=None
        A title per panel; the probability, if given, is added on a second
        line.
    cmap : str or matplotlib Colormap, default="jet"
        Colormap of the heatmap.
    alpha : float, default=0.4
        Opacity of the heatmap over the image, in [0, 1].
    ncols : int, default=4
        Panels per row of the grid.
    axes : array of matplotlib Axes, default=None
        Axes to draw into (at least ``n``); by default a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure; panel ``i`` holds image ``i`` (gray) and its heatmap on
        top (the second image of ``fig.axes[i]``); unused panels are hidden.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skcxr.plotting import plot_grad_cam
    >>> images = np.random.RandomState(0).rand(3, 32, 32, 1)
    >>> heatmaps = np.zeros((3, 32, 32)); heatmaps[:, 8:16, 8:16] = 1.0
    >>> fig = plot_grad_cam(images, heatmaps, probabilities=[0.9, 0.2, 0.5],
    ...                     titles=["a", "b", "c"], ncols=2)
    >>> len(fig.axes), fig.axes[0].get_title()
    (4, 'a\\np = 0.900')
    """
    require_matplotlib("skcxr.plotting.plot_grad_cam")
    import matplotlib.pyplot as plt

    images = _as_gray_images(images)
    heatmaps = np.asarray(heatmaps, dtype=np.float32)
    n = len(images)
    if heatmaps.shape != images.shape[:3]:
        raise ValueError(
            f"plot_grad_cam: heatmaps of shape {heatmaps.shape} do not match images of "
            f"shape {images.shape}; expected {images.shape[:3]}"
        )
    if n == 0:
        raise ValueError("plot_grad_cam: no images to plot")
    if probabilities is not None:
        probabilities = np.asarray(probabilities, dtype=float).ravel()
        if len(probabilities) != n:
            raise ValueError(
                f"plot_grad_cam: {len(probabilities)} probabilities for {n} images"
            )
    if titles is not None:
        titles = [str(t) for t in titles]
        if len(titles) != n:
            raise ValueError(f"plot_grad_cam: {len(titles)} titles for {n} images")
    if not isinstance(alpha, numbers.Real) or not 0 <= alpha <= 1:
        raise ValueError(f"plot_grad_cam: alpha must lie in [0, 1], got {alpha!r}")
    if not isinstance(ncols, numbers.Integral) or isinstance(ncols, bool) or ncols < 1:
        raise ValueError(f"plot_grad_cam: ncols must be a positive integer, got {ncols!r}")

    if axes is None:
        ncols = min(ncols, n)
        nrows = -(-n // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(3 * ncols, 4.0 * nrows), squeeze=False)
    axes = np.ravel(np.asarray(axes, dtype=object))
    if len(axes) < n:
        raise ValueError(f"plot_grad_cam: {len(axes)} Axes for {n} images")
    fig = axes[0].figure
    for i, ax in enumerate(axes):
        if i >= n:
            ax.set_visible(False)
            continue
        ax.imshow(images[i], cmap="gray", vmin=0.0, vmax=1.0)
        ax.imshow(heatmaps[i], cmap=cmap, alpha=alpha, vmin=0.0, vmax=1.0)
        lines = [] if titles is None else [titles[i]]
        if probabilities is not None:
            lines.append(f"p = {probabilities[i]:.3f}")
        ax.set_title("\n".join(lines), fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
