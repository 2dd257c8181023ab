"""Training curves (loss and accuracy per epoch, train and validation)."""

from collections.abc import Mapping

import numpy as np
from sklearn.exceptions import NotFittedError

from ..utils._estimators import final_estimator
from ._base import require_matplotlib

__all__ = ["plot_history"]


def _resolve_history(history):
    """Return the history as a mapping of metric name to per-epoch values."""
    if isinstance(history, Mapping):
        return history
    if isinstance(getattr(history, "history", None), Mapping):  # keras.callbacks.History
        return history.history
    estimator = final_estimator(history)
    if hasattr(estimator, "fit"):
        if not isinstance(getattr(estimator, "history_", None), Mapping):
            raise NotFittedError(
                f"{type(estimator).__name__} has no training history (history_); "
                "fit it first."
            )
        return estimator.history_
    raise TypeError(
        "history must be a dict of per-epoch lists (e.g. CXRClassifier.history_), a "
        f"keras History, or a fitted estimator / Pipeline; got {type(history).__name__}."
    )


def plot_history(history, *, metrics=("loss", "accuracy"), ax=None):
    """Plot training and validation curves per epoch, one panel per metric.

    The study's figures 8 (loss) and 9 (accuracy): the training curve and,
    when the history holds ``val_<metric>``, the validation curve.

    Parameters
    ----------
    history : dict, keras History, or fitted estimator
        A dict of per-epoch lists such as scikeras' ``history_``
        (``{"loss": [...], "accuracy": [...], "val_loss": [...], ...}``), a
        ``keras.callbacks.History``, or a fitted :class:`~skcxr.CXRClassifier`
        or a Pipeline ending in one.
    metrics : str or sequence of str, default=("loss", "accuracy")
        Metrics to plot, by their name in the history (without ``val_``).
    ax : matplotlib Axes or sequence of Axes, default=None
        One Axes per metric to draw into; by default a new figure with one
        panel per metric is created.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure; ``fig.axes`` holds one panel per metric, each with the
        lines ``"train"`` and (when available) ``"validation"``.

    Raises
    ------
    ValueError
        If a metric is not in the history (the message lists those present),
        the history is empty, or the number of Axes differs from the number
        of metrics.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skcxr.plotting import plot_history
    >>> history = {"loss": [0.7, 0.5, 0.4], "accuracy": [0.5, 0.7, 0.8],
    ...            "val_loss": [0.7, 0.6, 0.55], "val_accuracy": [0.5, 0.6, 0.7]}
    >>> fig = plot_history(history)
    >>> [a.get_ylabel() for a in fig.axes]
    ['loss', 'accuracy']
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['train', 'validation']
    """
    require_matplotlib("skcxr.plotting.plot_history")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    history = _resolve_history(history)
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    if not metrics:
        raise ValueError("metrics is empty; name at least one metric, e.g. 'loss'.")
    available = sorted(k for k in history if not str(k).startswith("val_"))
    missing = [m for m in metrics if m not in history]
    if missing:
        raise ValueError(
            f"metrics {missing} are not in the history; it holds {available} "
            "(validation curves are taken from 'val_<metric>' automatically)."
        )
    if ax is None:
        fig, axes = plt.subplots(
            1, len(metrics), figsize=(5 * len(metrics), 4), squeeze=False
        )
        axes = axes.ravel()
    else:
        axes = np.ravel(np.asarray(ax, dtype=object))
        if len(axes) != len(metrics):
            raise ValueError(
                f"ax holds {len(axes)} Axes but {len(metrics)} metrics are plotted "
                f"({metrics}); pass one Axes per metric."
            )
        fig = axes[0].figure
    for metric, panel in zip(metrics, axes):
        train = np.asarray(history[metric], dtype=float)
        if train.size == 0:
            raise ValueError(f"the history of {metric!r} is empty (no epoch trained).")
        panel.plot(np.arange(1, train.size + 1), train, marker="o", label="train")
        val_key = f"val_{metric}"
        if val_key in history:
            val = np.asarray(history[val_key], dtype=float)
            panel.plot(np.arange(1, val.size + 1), val, marker="o", label="validation")
        panel.set_xlabel("epoch")
        panel.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        panel.set_ylabel(metric)
        panel.set_title(f"{metric} per epoch")
        panel.legend()
    return fig
