"""The report of :func:`~skcxr.model_selection.leave_one_source_out`."""

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

INTERNAL_INNER = "internal"
HELD_OUT = "held-out"

#: Columns of :meth:`HoldoutEvaluation.to_frame`, in order.
HOLDOUT_COLUMNS = ["evaluation", "holdout", "source", "n", "n_positive", "n_negative",
                   "threshold", "accuracy", "sensitivity", "specificity", "roc_auc"]


def _fmt(value):
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.3f}"


class HoldoutEvaluation:
    """Result of :func:`~skcxr.model_selection.leave_one_source_out`.

    Parameters
    ----------
    scores : pandas.DataFrame
        Rows with the columns :data:`HOLDOUT_COLUMNS`: ``evaluation`` is
        ``"internal"`` (the inner patient-grouped CV on the training sources,
        source ``"training"``; only with ``threshold="target-sensitivity"``) or
        ``"held-out"`` (one row per source of the held-out group).
    predictions : pandas.DataFrame
        Every held-out prediction: ``holdout``, ``index`` (row label in the
        evaluated table), ``source``, ``group``, ``y_true``, ``y_pred``,
        ``y_score``, ``threshold``, ``n_train``.
    pos_label, neg_label : str
        The two labels.
    threshold : {"predict", "target-sensitivity"} or float, default="predict"
        How the decision threshold was set (printed in the report).
    target_sensitivity : float or None, default=None
        The sensitivity the training-chosen threshold aims at, with
        ``threshold="target-sensitivity"``.
    inner_cv : int or None, default=None
        Folds of the inner patient-grouped CV that chose the threshold.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcxr.model_selection import HoldoutEvaluation
    >>> HoldoutEvaluation(pd.DataFrame(), pd.DataFrame(), pos_label="covid",
    ...                   neg_label="non-covid").to_frame().columns[:3].tolist()
    ['evaluation', 'holdout', 'source']
    """

    def __init__(self, scores, predictions, *, pos_label, neg_label, threshold="predict",
                 target_sensitivity=None, inner_cv=None):
        self.scores = scores.reindex(columns=HOLDOUT_COLUMNS).reset_index(drop=True)
        self.predictions = predictions
        self.pos_label = pos_label
        self.neg_label = neg_label
        self.threshold = threshold
        self.target_sensitivity = target_sensitivity
        self.inner_cv = inner_cv

    def to_frame(self):
        """The score table (a copy), columns :data:`HOLDOUT_COLUMNS`.

        With a model that carries an applicability gate, held-out rows also
        have ``unfamiliar``: the share of the source's images the gate called
        unfamiliar.

        Returns
        -------
        scores : pandas.DataFrame
            One row per (evaluation, held-out group, source).

        Examples
        --------
        >>> import pandas as pd
        >>> from skcxr.model_selection import HoldoutEvaluation
        >>> len(HoldoutEvaluation(pd.DataFrame(), pd.DataFrame(), pos_label="covid",
        ...                       neg_label="non-covid").to_frame())
        0
        """
        return self.scores.copy()

    def held_out(self):
        """Held-out rows only, one per source, with its primary metric.

        Returns
        -------
        table : pandas.DataFrame
            ``holdout``, ``source``, ``n``, ``threshold``, ``metric``
            (``"sensitivity"`` for a positives-only source, ``"specificity"``
            for a negatives-only one, ``"roc_auc"`` otherwise), ``value``,
            and the other columns of :meth:`to_frame`.

        Examples
        --------
        >>> import pandas as pd
        >>> from skcxr.model_selection import HoldoutEvaluation
        >>> HoldoutEvaluation(pd.DataFrame(), pd.DataFrame(), pos_label="covid",
        ...     neg_label="non-covid").held_out().empty
        True
        """
        part = self.scores[self.scores["evaluation"] == HELD_OUT].copy()
        metric = np.where(part["n_negative"] == 0, "sensitivity",
                          np.where(part["n_positive"] == 0, "specificity", "roc_auc"))
        part["metric"] = metric
        part["value"] = [row[m] for m, (_, row) in zip(metric, part.iterrows())]
        return part.reset_index(drop=True)

    def pairwise_auc(self):
        """ROC AUC for each pair (held-out source with positives, one with negatives).

        Each source's scores come from the model that never saw it; a pair's
        AUC ranks the positives of one against the negatives of the other.

        Returns
        -------
        table : pandas.DataFrame
            Columns ``positive_source``, ``negative_source``, ``n_positive``,
            ``n_negative``, ``roc_auc``.

        Examples
        --------
        >>> import pandas as pd
        >>> from skcxr.model_selection import HoldoutEvaluation
        >>> p = pd.DataFrame({"source": ["a", "a", "b"], "y_true": ["covid", "covid",
        ...     "non-covid"], "y_score": [0.9, 0.2, 0.5]})
        >>> HoldoutEvaluation(pd.DataFrame(), p, pos_label="covid",
        ...     neg_label="non-covid").pairwise_auc()["roc_auc"].tolist()
        [0.5]
        """
        columns = ["positive_source", "negative_source", "n_positive", "n_negative", "roc_auc"]
        p = self.predictions
        if p.empty:
            return pd.DataFrame(columns=columns)
        rows = []
        pos = p[p["y_true"] == self.pos_label]
        neg = p[p["y_true"] == self.neg_label]
        for ps, pp in pos.groupby("source", sort=True):
            for ns, nn in neg.groupby("source", sort=True):
                y = np.r_[np.ones(len(pp)), np.zeros(len(nn))]
                s = np.r_[pp["y_score"].to_numpy(float), nn["y_score"].to_numpy(float)]
                auc = float(roc_auc_score(y, s)) if not np.isnan(s).any() else np.nan
                rows.append([ps, ns, len(pp), len(nn), auc])
        return pd.DataFrame(rows, columns=columns)

    def summary(self):
        """Mean held-out sensitivity (positive sources) and specificity (negative ones).

        Returns
        -------
        summary : dict
            ``mean_sensitivity``, ``min_sensitivity`` over held-out rows with
            positives; ``mean_specificity``, ``min_specificity`` over those
            with negatives (NaN when none).

        Examples
        --------
        >>> import pandas as pd
        >>> from skcxr.model_selection import HoldoutEvaluation
        >>> HoldoutEvaluation(pd.DataFrame(), pd.DataFrame(), pos_label="covid",
        ...     neg_label="non-covid").summary()["mean_specificity"]
        nan
        """
        part = self.scores[self.scores["evaluation"] == HELD_OUT]
        sens = part.loc[part["n_positive"] > 0, "sensitivity"].astype(float)
        spec = part.loc[part["n_negative"] > 0, "specificity"].astype(float)

        def agg(values, f):
            return float(f(values)) if len(values) else float("nan")

        return {"mean_sensitivity": agg(sens, np.mean), "min_sensitivity": agg(sens, np.min),
                "mean_specificity": agg(spec, np.mean), "min_specificity": agg(spec, np.min)}

    def _table(self, evaluation):
        part = self.scores[self.scores["evaluation"] == evaluation].drop(columns="evaluation")
        for col in ("threshold", "accuracy", "sensitivity", "specificity", "roc_auc",
                    "unfamiliar"):
            if col in part:
                part[col] = part[col].map(_fmt)
        return part.to_string(index=False)

    def __str__(self):
        if self.threshold == "target-sensitivity":
            how = (f"threshold reaching sensitivity {self.target_sensitivity} on a "
                   f"{self.inner_cv}-fold patient-grouped CV of the training sources only")
        elif self.threshold == "predict":
            how = "the estimator's own predict (its default threshold)"
        else:
            how = f"fixed threshold {self.threshold}"
        lines = [f"LEAVE-ONE-SOURCE-OUT; decision threshold: {how}.", ""]
        if (self.scores["evaluation"] == INTERNAL_INNER).any():
            lines += ["INTERNAL: inner CV on the training sources (out-of-fold, at the "
                      "threshold it chose).", self._table(INTERNAL_INNER), ""]
        lines += ["HELD-OUT: each source scored by a model trained without it.",
                  self._table(HELD_OUT), ""]
        pairs = self.pairwise_auc()
        if len(pairs):
            lines += ["HELD-OUT pairwise ROC AUC (positives of one held-out source vs "
                      "negatives of another):",
                      pairs.to_string(index=False, float_format=lambda v: f"{v:.3f}"), ""]
        s = self.summary()
        lines.append(
            f"Held-out mean sensitivity {_fmt(s['mean_sensitivity'])} (min "
            f"{_fmt(s['min_sensitivity'])}), mean specificity {_fmt(s['mean_specificity'])} "
            f"(min {_fmt(s['min_specificity'])}). Positive class {self.pos_label!r}.")
        return "\n".join(lines)

    def __repr__(self):
        return (f"HoldoutEvaluation(held_out_rows="
                f"{int((self.scores['evaluation'] == HELD_OUT).sum())}, "
                f"threshold={self.threshold!r})")
