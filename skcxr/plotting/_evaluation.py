"""Confusion matrix and ROC curve: thin wrappers over sklearn's displays."""

from ..utils._scores import positive_scores
from ._base import require_matplotlib

__all__ = ["plot_confusion_matrix", "plot_roc_curve"]


def plot_confusion_matrix(y_true, y_pred, *, labels=None, normalize=None, title=None, ax=None,
                          **kwargs):
    """Plot the confusion matrix (sklearn's :class:`~sklearn.metrics.ConfusionMatrixDisplay`).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like, default=None
        Order of the rows and columns; by default the sorted labels
        (``"covid"`` before ``"non-covid"``).
    normalize : {"true", "pred", "all"}, default=None
        Show shares instead of counts (``"true"``: rows sum to 1, so the
        diagonal holds sensitivity and specificity).
    title : str, default=None
        Title of the plot: name the data, e.g. ``"held-out patients (210
        images)"``; by default ``"Confusion matrix (<n> images)"``.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure by default.
    **kwargs
        Passed to :meth:`ConfusionMatrixDisplay.from_predictions`
        (e.g. ``cmap``, ``colorbar``, ``values_format``).

    Returns
    -------
    display : sklearn.metrics.ConfusionMatrixDisplay
        ``display.confusion_matrix`` holds the numbers, ``display.figure_``
        the figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skcxr.plotting import plot_confusion_matrix
    >>> display = plot_confusion_matrix(["covid", "covid", "non-covid"],
    ...                                 ["covid", "non-covid", "non-covid"])
    >>> display.confusion_matrix.tolist()
    [[1, 1], [0, 1]]
    >>> display.ax_.get_title()
    'Confusion matrix (3 images)'
    """
    require_matplotlib("skcxr.plotting.plot_confusion_matrix")
    from sklearn.metrics import ConfusionMatrixDisplay

    display = ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=labels, normalize=normalize, ax=ax, **kwargs
    )
    if title is None:
        title = f"Confusion matrix ({len(y_true)} images)"
    display.ax_.set_title(title)
    return display


def plot_roc_curve(
    y_true, y_score, *, pos_label="covid", classes=None, name=None, title=None, ax=None,
    plot_chance_level=True, **kwargs,
):
    """Plot the ROC curve of the positive class (sklearn's :class:`~sklearn.metrics.RocCurveDisplay`).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_score : array-like of shape (n_samples,) or (n_samples, 2)
        Score (probability) of ``pos_label``, or the whole ``predict_proba``
        output together with ``classes`` (its column order), as in
        :func:`skcxr.metrics.classification_summary`.
    pos_label : str or int, default="covid"
        The positive class.
    classes : array-like of 2 labels, default=None
        Column order of a 2-D ``y_score``, e.g. ``estimator.classes_``.
    name : str, default=None
        Name of the curve in the legend (the AUC is appended).
    title : str, default=None
        Title of the plot: name the data, e.g. ``"held-out patients (210
        images)"``; by default ``"ROC curve of <pos_label> (<n> images)"``.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure by default.
    plot_chance_level : bool, default=True
        Also draw the diagonal of a random classifier.
    **kwargs
        Passed to :meth:`RocCurveDisplay.from_predictions`.

    Returns
    -------
    display : sklearn.metrics.RocCurveDisplay
        ``display.roc_auc``, ``display.fpr``, ``display.tpr`` hold the numbers.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skcxr.plotting import plot_roc_curve
    >>> display = plot_roc_curve(["covid", "non-covid", "covid", "non-covid"],
    ...                          [0.9, 0.2, 0.4, 0.6], name="CNN")
    >>> float(display.roc_auc)
    0.75
    >>> display.ax_.get_title()
    'ROC curve of covid (4 images)'
    """
    require_matplotlib("skcxr.plotting.plot_roc_curve")
    from sklearn.metrics import RocCurveDisplay

    scores = positive_scores(y_score, pos_label=pos_label, classes=classes)
    display = RocCurveDisplay.from_predictions(
        y_true, scores, pos_label=pos_label, name=name, ax=ax,
        plot_chance_level=plot_chance_level, **kwargs,
    )
    if title is None:
        title = f"ROC curve of {pos_label} ({len(scores)} images)"
    display.ax_.set_title(title)
    return display
