"""Scoring of out-of-fold predictions per source and the report object.

:class:`SourceEvaluation` is what :func:`skcxr.model_selection.evaluate_by_source`
returns: a tidy score table, the predictions the scores were computed from, and a
plain-text report that separates internal from cross-source numbers.
"""

import math

import numpy as np
import pandas as pd

from ..utils._scores import binary_rates, safe_roc_auc

INTERNAL = "internal"
CROSS_SOURCE = "cross-source"
ALL_SOURCES = "all"

#: Columns of :meth:`SourceEvaluation.to_frame`, in order.
SCORE_COLUMNS = [
    "evaluation",
    "source",
    "n",
    "n_positive",
    "n_negative",
    "accuracy",
    "sensitivity",
    "specificity",
    "roc_auc",
]

#: Metric that makes sense for a source holding one class only.
_SINGLE_CLASS_METRIC = {"positive": "sensitivity", "negative": "specificity"}


def score_rows(y_true, y_pred, y_score, *, pos_label, neg_label):
    """Score one group of predictions; metrics a group cannot support are NaN.

    A group holding only negatives gets specificity alone, one holding only
    positives gets sensitivity alone: accuracy would merely repeat that number
    and ROC AUC is undefined, so both are NaN rather than a misleading value.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    y_score : array-like of shape (n_samples,)
        Score of the positive class (NaN where the estimator gives none).
    pos_label, neg_label : str
        The positive and the negative label.

    Returns
    -------
    scores : dict
        Keys ``n``, ``n_positive``, ``n_negative``, ``accuracy``,
        ``sensitivity``, ``specificity``, ``roc_auc``.

    Examples
    --------
    >>> from skcxr.model_selection._report import score_rows
    >>> s = score_rows(["non-covid"] * 4, ["non-covid", "covid", "non-covid",
    ...                "non-covid"], [0.1, 0.9, 0.2, 0.3],
    ...                pos_label="covid", neg_label="non-covid")
    >>> s["specificity"], s["sensitivity"], s["accuracy"]
    (0.75, nan, nan)
    """
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    y_score = np.asarray(y_score, dtype=float)
    n_pos = int(np.sum(y_true == pos_label))
    n_neg = int(np.sum(y_true == neg_label))
    out = {
        "n": len(y_true),
        "n_positive": n_pos,
        "n_negative": n_neg,
        "accuracy": np.nan,
        "sensitivity": np.nan,
        "specificity": np.nan,
        "roc_auc": np.nan,
    }
    if len(y_true):
        # the binary metrics of skcxr.metrics: NaN where the group cannot define them
        rates = binary_rates(y_true == pos_label, y_pred == pos_label)
        out["sensitivity"], out["specificity"] = rates["sensitivity"], rates["specificity"]
    if n_pos and n_neg:
        out["accuracy"] = rates["accuracy"]
        out["roc_auc"] = safe_roc_auc(y_true == pos_label, y_score, nan_scores="nan")
    for key in ("accuracy", "sensitivity", "specificity", "roc_auc"):
        out[key] = float(out[key])
    return out


def score_by_source(predictions, *, evaluation, pos_label, neg_label, include_all=True):
    """Rows of the score table for one evaluation: ``"all"`` first, then each source."""
    rows = []
    groups = [(ALL_SOURCES, predictions)] if include_all else []
    groups += list(predictions.groupby("source", sort=True))
    for source, part in groups:
        scores = score_rows(
            part["y_true"], part["y_pred"], part["y_score"],
            pos_label=pos_label, neg_label=neg_label,
        )
        rows.append({"evaluation": evaluation, "source": source, **scores})
    return rows


def primary_metric(n_positive, n_negative):
    """The one metric compared between internal and cross-source for a source."""
    if n_positive and n_negative:
        return "roc_auc"
    return _SINGLE_CLASS_METRIC["positive" if n_positive else "negative"]


def _fmt(value):
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


class SourceEvaluation:
    """Result of :func:`~skcxr.model_selection.evaluate_by_source`.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per (evaluation, source), columns :data:`SCORE_COLUMNS`.
    predictions : pandas.DataFrame
        One row per prediction: ``evaluation``, ``fold`` (internal fold number,
        ``<NA>`` for cross-source), ``index`` (row label in the input table),
        ``source``, ``group``, ``y_true``, ``y_pred``, ``y_score``.
    pos_label, neg_label : str
        The positive and the negative label.
    cv_description : str
        How the internal folds were made (printed in the report).
    shortcut_gap : float, default=0.2
        A source whose primary metric (specificity for a negative-only source,
        sensitivity for a positive-only one, ROC AUC otherwise) differs by more
        than this between internal and cross-source evaluation is flagged.

    Attributes
    ----------
    warnings : list of str
        One line per flagged source (also printed by ``str()``).

    Examples
    --------
    >>> import pandas as pd
    >>> from skcxr.model_selection import SourceEvaluation
    >>> scores = pd.DataFrame([{"evaluation": "cross-source", "source": "adult-normal",
    ...     "n": 4, "n_positive": 0, "n_negative": 4, "accuracy": float("nan"),
    ...     "sensitivity": float("nan"), "specificity": 0.25, "roc_auc": float("nan")}])
    >>> result = SourceEvaluation(scores, pd.DataFrame(), pos_label="covid",
    ...                           neg_label="non-covid")
    >>> result.to_frame().loc[0, "specificity"]
    np.float64(0.25)
    """

    def __init__(self, scores, predictions, *, pos_label, neg_label, cv_description="",
                 shortcut_gap=0.2):
        self.scores = scores.reindex(columns=SCORE_COLUMNS).reset_index(drop=True)
        self.predictions = predictions
        self.pos_label = pos_label
        self.neg_label = neg_label
        self.cv_description = cv_description
        self.shortcut_gap = shortcut_gap
        self.warnings = self._shortcut_warnings()

    def to_frame(self):
        """Return the tidy score table (a copy).

        Returns
        -------
        scores : pandas.DataFrame
            Columns ``evaluation`` (``"internal"`` / ``"cross-source"``),
            ``source`` (``"all"`` or a source name), ``n``, ``n_positive``,
            ``n_negative``, ``accuracy``, ``sensitivity``, ``specificity``,
            ``roc_auc``. Metrics a group cannot support are NaN.

        Examples
        --------
        >>> import pandas as pd
        >>> from skcxr.model_selection import SourceEvaluation
        >>> SourceEvaluation(pd.DataFrame(), pd.DataFrame(), pos_label="covid",
        ...                  neg_label="non-covid").to_frame().columns[:2].tolist()
        ['evaluation', 'source']
        """
        return self.scores.copy()

    def _shortcut_warnings(self):
        lines = []
        internal = self.scores[self.scores["evaluation"] == INTERNAL].set_index("source")
        cross = self.scores[self.scores["evaluation"] == CROSS_SOURCE]
        for _, row in cross.iterrows():
            if row["source"] not in internal.index:
                continue
            metric = primary_metric(row["n_positive"], row["n_negative"])
            inside, outside = internal.loc[row["source"], metric], row[metric]
            if np.isnan(inside) or np.isnan(outside):
                continue
            if abs(inside - outside) > self.shortcut_gap:
                lines.append(
                    f"WARNING: {metric} on {row['source']!r} is {inside:.3f} internal but "
                    f"{outside:.3f} cross-source: the model may be using source cues "
                    "(a shortcut), not pathology."
                )
        return lines

    def _table(self, evaluation):
        part = self.scores[self.scores["evaluation"] == evaluation]
        shown = part.drop(columns="evaluation")
        for col in ("accuracy", "sensitivity", "specificity", "roc_auc"):
            shown[col] = shown[col].map(_fmt)
        return shown.to_string(index=False)

    def __str__(self):
        pos = self.pos_label
        lines = []
        if (self.scores["evaluation"] == INTERNAL).any():
            lines += [
                "INTERNAL: patient-grouped cross-validation inside the training "
                f"distribution ({self.cv_description}).",
                "Out-of-fold predictions pooled over folds; no patient in both train and "
                "test of any fold.",
                self._table(INTERNAL),
                "",
            ]
        if (self.scores["evaluation"] == CROSS_SOURCE).any():
            lines += [
                "CROSS-SOURCE: trained on every other source, tested on a source the model "
                "never saw.",
                self._table(CROSS_SOURCE),
                "",
            ]
        lines.append(
            f"Positive class {pos!r}. A source holding one class reports only sensitivity "
            "(positives) or specificity (negatives); blanks are undefined metrics."
        )
        lines += self.warnings
        return "\n".join(lines)

    def __repr__(self):
        counts = self.scores["evaluation"].value_counts()
        return (
            f"SourceEvaluation(internal_rows={int(counts.get(INTERNAL, 0))}, "
            f"cross_source_rows={int(counts.get(CROSS_SOURCE, 0))}, "
            f"warnings={len(self.warnings)})"
        )
