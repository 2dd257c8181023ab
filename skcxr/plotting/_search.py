"""The candidates of a search, best first, on an axis that shows their differences."""

import numpy as np

from ._base import require_matplotlib

__all__ = ["plot_search_results", "score_limits"]


def score_limits(low, high, *, margin=0.1, min_span=0.02, bounds=(0.0, 1.0)):
    """Axis limits around scores from ``low`` to ``high``, zoomed to the data.

    A margin of ``margin`` times the span (at least ``min_span`` in all) is
    added on each side, clipped to ``bounds``: scores of 0.93 and 0.94 stay
    apart instead of merging on a 0-1 axis.

    Parameters
    ----------
    low, high : float
        Smallest and largest value to show (e.g. mean - std, mean + std).
    margin : float, default=0.1
        Share of the span added on each side.
    min_span : float, default=0.02
        Least width of the axis.
    bounds : tuple of 2 floats, default=(0.0, 1.0)
        The axis never goes beyond these (scores live in [0, 1]).

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> from skcxr.plotting._search import score_limits
    >>> [round(v, 3) for v in score_limits(0.93, 0.94)]
    [0.925, 0.945]
    >>> score_limits(0.2, 1.0)
    (0.12, 1.0)
    """
    low, high = float(low), float(high)
    pad = max(margin * (high - low), (min_span - (high - low)) / 2, 0.0)
    return max(bounds[0], low - pad), min(bounds[1], high + pad)


def plot_search_results(cv_results, *, metric, title=None, ax=None, param_prefix=None):
    """Plot a search's candidates, best first: mean ± std of one score per candidate.

    Dots with error bars on a score axis zoomed to the candidates (see
    :func:`score_limits`), so that close candidates are told apart.

    Parameters
    ----------
    cv_results : dict or pandas.DataFrame
        ``search.cv_results_`` of a :class:`~sklearn.model_selection.GridSearchCV`
        (or any search), with ``mean_test_<metric>``, ``std_test_<metric>``,
        ``rank_test_<metric>`` and ``params``.
    metric : str
        The score shown (``"score"`` for a search with one scorer).
    title : str, default=None
        Title of the panel; by default ``"<n> candidates, best first"``.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure sized to the number of candidates by
        default.
    param_prefix : str, default=None
        Removed from the parameter names in the labels (e.g.
        ``"classifier__"``); by default everything up to the last ``__``.

    Returns
    -------
    ax : matplotlib Axes
        ``ax.get_xlim()`` holds the zoomed score axis.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skcxr.plotting import plot_search_results
    >>> results = {"params": [{"clf__C": 0.1}, {"clf__C": 1.0}],
    ...            "mean_test_roc_auc": [0.93, 0.94], "std_test_roc_auc": [0.002, 0.003],
    ...            "rank_test_roc_auc": [2, 1]}
    >>> ax = plot_search_results(results, metric="roc_auc")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['C=1.0', 'C=0.1']
    >>> low, high = map(float, ax.get_xlim()); 0.9 < low < 0.93 and 0.94 < high < 0.96
    True
    """
    require_matplotlib("skcxr.plotting.plot_search_results")
    import matplotlib.pyplot as plt

    keys = [f"mean_test_{metric}", f"std_test_{metric}", f"rank_test_{metric}"]
    missing = [k for k in keys + ["params"] if k not in cv_results]
    if missing:
        scores = sorted(k[len("mean_test_"):] for k in cv_results if k.startswith("mean_test_"))
        raise ValueError(f"cv_results lacks {missing}; the scores it holds: {scores}")
    mean = np.asarray(cv_results[keys[0]], dtype=float)
    std = np.nan_to_num(np.asarray(cv_results[keys[1]], dtype=float))
    order = np.argsort(np.asarray(cv_results[keys[2]]), kind="stable")
    params = list(cv_results["params"])

    def short(name):
        if param_prefix is not None:
            return name.removeprefix(param_prefix)
        return name.rsplit("__", 1)[-1]

    labels = [", ".join(f"{short(k)}={v}" for k, v in params[i].items()) for i in order]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * len(order) + 1.5))
    y = np.arange(len(order))
    ax.errorbar(mean[order], y, xerr=std[order], fmt="o", capsize=3, color="tab:blue")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(len(order) - 0.5, -0.5)  # best on top
    finite = np.isfinite(mean[order])
    if finite.any():
        ax.set_xlim(*score_limits(np.min((mean - std)[order][finite]),
                                  np.max((mean + std)[order][finite])))
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel(f"{metric} (mean ± std over the folds; axis zoomed to the candidates)")
    ax.set_title(title or f"{len(order)} candidates, best first")
    return ax
