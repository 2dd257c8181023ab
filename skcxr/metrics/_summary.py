"""The study's two tables (per class; overall with bootstrap intervals) in one object."""

import numbers

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support
from sklearn.utils import check_consistent_length, check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, validate_params

from ._classification import (
    POS_LABEL,
    ZERO_DIVISION,
    _check_binary_labels,
    _zero_division_value,
)
from ..utils._scores import binary_rates, positive_scores, safe_roc_auc

__all__ = ["ClassificationSummary", "classification_summary"]

_PER_CLASS_COLUMNS = ["precision", "recall", "f1-score", "support", "share"]
_CI_COLUMNS = ["value", "ci_lower", "ci_upper"]


def _bootstrap_weights(n_samples, groups, n_bootstraps, random_state):
    """Yield, per resample, how often each sample is drawn (an int array).

    Without ``groups`` images are drawn with replacement; with ``groups``
    whole groups (patients) are drawn, each copy bringing all its images.
    """
    rng = check_random_state(random_state)
    if groups is None:
        pvals = np.full(n_samples, 1.0 / n_samples)
        for _ in range(n_bootstraps):
            yield rng.multinomial(n_samples, pvals)
    else:
        _, inverse = np.unique(groups, return_inverse=True)
        n_groups = inverse.max() + 1
        pvals = np.full(n_groups, 1.0 / n_groups)
        for _ in range(n_bootstraps):
            yield rng.multinomial(n_groups, pvals)[inverse]


def _weighted_metrics(weights, is_pos_true, is_pos_pred, scores):
    """Accuracy, sensitivity, specificity (, ROC AUC) of one weighted resample.

    A weight of k counts a sample k times, as if it had been drawn k times;
    undefined values (no positive / negative case drawn) are NaN. The rates
    come from :func:`skcxr.utils._scores.binary_rates`, as the
    point values do.
    """
    w = weights.astype(float)
    rates = binary_rates(is_pos_true, is_pos_pred, w)
    stats = [rates["accuracy"], rates["sensitivity"], rates["specificity"]]
    if scores is not None:
        stats.append(safe_roc_auc(is_pos_true, scores, sample_weight=w))
    return stats


class ClassificationSummary:
    """The two result tables of a binary classifier (see :func:`classification_summary`).

    Built by :func:`classification_summary`; every parameter is kept as the
    attribute of the same name.

    Parameters
    ----------
    per_class : pandas.DataFrame
        Index: the class labels, positive first. Columns ``precision``,
        ``recall``, ``f1-score``, ``support`` (the number of test images of
        the class, as in sklearn) and ``share`` (support over all test images,
        in [0, 1]; printed as a percentage, as in the study's Table 1).
    overall : pandas.DataFrame
        Index ``accuracy``, ``sensitivity``, ``specificity`` (and ``roc_auc``
        when scores were given); columns ``value``, ``ci_lower``,
        ``ci_upper`` (NaN without bootstrap).
    confusion_matrix : pandas.DataFrame
        Counts; rows are true labels, columns predicted labels, positive first.
    pos_label : str or int
        The positive class.
    n_samples : int
        Number of test samples (images).
    n_bootstraps : int
        Number of bootstrap resamples behind the intervals (0: none).
    confidence_level : float
        Coverage of the intervals, e.g. 0.95.
    bootstrap_unit : str
        ``"patients"`` (resampling ``groups``) or ``"images"``.
    n_units : int
        Number of distinct patients (or images) resampled.

    Examples
    --------
    >>> from skcxr.metrics import classification_summary
    >>> summary = classification_summary(
    ...     ["covid", "covid", "non-covid", "non-covid"],
    ...     ["covid", "non-covid", "non-covid", "non-covid"], n_bootstraps=0)
    >>> float(summary.overall.loc["sensitivity", "value"])
    0.5
    >>> summary.per_class["support"].tolist(), summary.per_class["share"].tolist()
    ([2, 2], [0.5, 0.5])
    """

    def __init__(self, per_class, overall, confusion_matrix, *, pos_label,
                 n_samples, n_bootstraps, confidence_level, bootstrap_unit, n_units):
        self.per_class = per_class
        self.overall = overall
        self.confusion_matrix = confusion_matrix
        self.pos_label = pos_label
        self.n_samples = n_samples
        self.n_bootstraps = n_bootstraps
        self.confidence_level = confidence_level
        self.bootstrap_unit = bootstrap_unit
        self.n_units = n_units

    def __str__(self):
        per_class = self.per_class.to_string(
            index_names=False,
            col_space=9,
            formatters={
                "precision": "{:.2f}".format,
                "recall": "{:.2f}".format,
                "f1-score": "{:.2f}".format,
                "support": "{:d}".format,
                "share": "{:.1%}".format,
            }
        )
        header2 = "Table 2: overall"
        overall = self.overall
        if self.n_bootstraps:
            header2 += (
                f" ({self.confidence_level:.0%} CI: percentile bootstrap, "
                f"{self.n_bootstraps} resamples of {self.n_units} {self.bootstrap_unit})"
            )
        else:
            overall = overall[["value"]]
        overall = overall.to_string(
            float_format="{:.4f}".format, na_rep="n/a", index_names=False, col_space=9
        )
        return (
            f"Table 1: per class ({self.n_samples} test images)\n{per_class}\n\n"
            f"{header2}\n{overall}"
        )

    def __repr__(self):
        return str(self)

    def to_dict(self):
        """Flatten both tables into one dict (e.g. to save as JSON or compare runs).

        Returns
        -------
        dict
            ``n_samples``; ``<metric>``, ``<metric>_ci_lower``,
            ``<metric>_ci_upper`` for each overall metric; and
            ``<column>_<label>`` (e.g. ``precision_covid``) per class.

        Examples
        --------
        >>> from skcxr.metrics import classification_summary
        >>> d = classification_summary([1, 0, 1, 0], [1, 0, 0, 0], pos_label=1,
        ...                            n_bootstraps=0).to_dict()
        >>> d["sensitivity"], d["recall_0"]
        (0.5, 1.0)
        """
        out = {"n_samples": self.n_samples}
        for metric, row in self.overall.iterrows():
            out[metric] = float(row["value"])
            out[f"{metric}_ci_lower"] = float(row["ci_lower"])
            out[f"{metric}_ci_upper"] = float(row["ci_upper"])
        for label, row in self.per_class.iterrows():
            for column in _PER_CLASS_COLUMNS:
                cast = int if column == "support" else float
                out[f"{column}_{label}"] = cast(row[column])
        return out

    def to_frame(self, name=None):
        """One row holding :meth:`to_dict`, to concatenate summaries of several runs.

        Parameters
        ----------
        name : str, default=None
            Index label of the row (e.g. the model's name).

        Returns
        -------
        pandas.DataFrame
            Shape (1, n_values).

        Examples
        --------
        >>> import pandas as pd
        >>> from skcxr.metrics import classification_summary
        >>> y = [1, 0, 1, 0]
        >>> a = classification_summary(y, [1, 0, 1, 0], pos_label=1, n_bootstraps=0)
        >>> b = classification_summary(y, [1, 0, 0, 0], pos_label=1, n_bootstraps=0)
        >>> pd.concat([a.to_frame("a"), b.to_frame("b")])["accuracy"].tolist()
        [1.0, 0.75]
        """
        return pd.DataFrame([self.to_dict()], index=[name] if name is not None else None)


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "y_score": ["array-like", None],
        "pos_label": POS_LABEL,
        "classes": ["array-like", None],
        "groups": ["array-like", None],
        "n_bootstraps": [Interval(numbers.Integral, 0, None, closed="left")],
        "confidence_level": [Interval(numbers.Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "zero_division": ZERO_DIVISION,
    },
    prefer_skip_nested_validation=True,
)
def classification_summary(
    y_true, y_pred, y_score=None, *, pos_label="covid", classes=None, groups=None,
    n_bootstraps=1000, confidence_level=0.95, random_state=0, zero_division="warn",
):
    """Per-class and overall results of a binary classifier, as in the study.

    Table 1 holds precision, recall, F1, support (a count of images) and its
    share of the test set per class; Table 2 accuracy, sensitivity,
    specificity and, given scores,
    ROC AUC, each with a percentile bootstrap confidence interval. Point
    values come from :mod:`sklearn.metrics`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels (two classes at most).
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    y_score : array-like of shape (n_samples,) or (n_samples, 2), default=None
        Either the score (probability) of ``pos_label``, 1-D, or the full
        ``predict_proba`` output together with ``classes`` giving its column
        order (``classes=estimator.classes_``). Adds ROC AUC to Table 2.
    pos_label : str or int, default="covid"
        The positive class (for integer labels e.g. ``pos_label=1``).
    classes : array-like of 2 labels, default=None
        The two class labels, e.g. ``estimator.classes_``: orders the columns
        of a 2-D ``y_score`` and names the negative class when only one
        class occurs in ``y_true`` and ``y_pred``.
    groups : array-like of shape (n_samples,), default=None
        Group (patient) of each sample. Given, the bootstrap resamples
        patients with all their images, since images of one patient are not
        independent; otherwise it resamples images.
    n_bootstraps : int, default=1000
        Number of bootstrap resamples; 0 disables the intervals.
    confidence_level : float, default=0.95
        Coverage of the percentile intervals.
    random_state : int, RandomState instance or None, default=0
        Seeds the bootstrap; the default makes the intervals reproducible.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Value of an undefined precision / recall / F1 / sensitivity /
        specificity, as in sklearn. Bootstrap resamples where a metric is
        undefined are left out of its interval.

    Returns
    -------
    ClassificationSummary
        Prints as the two plain-text tables; ``per_class`` and ``overall``
        are DataFrames; ``to_dict()`` / ``to_frame()`` flatten them.

    See Also
    --------
    sklearn.metrics.classification_report : Per-class table of sklearn.

    Examples
    --------
    >>> from skcxr.metrics import classification_summary
    >>> y_true = ["covid"] * 4 + ["non-covid"] * 4
    >>> y_pred = ["covid", "covid", "covid", "non-covid"] + ["non-covid"] * 3 + ["covid"]
    >>> y_score = [0.9, 0.8, 0.7, 0.4, 0.3, 0.2, 0.1, 0.6]
    >>> summary = classification_summary(y_true, y_pred, y_score, n_bootstraps=200)
    >>> print(summary)
    Table 1: per class (8 test images)
              precision    recall  f1-score   support     share
    covid          0.75      0.75      0.75         4     50.0%
    non-covid      0.75      0.75      0.75         4     50.0%
    <BLANKLINE>
    Table 2: overall (95% CI: percentile bootstrap, 200 resamples of 8 images)
                    value  ci_lower  ci_upper
    accuracy       0.7500    0.3750    1.0000
    sensitivity    0.7500    0.2500    1.0000
    specificity    0.7500    0.0000    1.0000
    roc_auc        0.9375    0.5988    1.0000
    """
    y_true, y_pred, labels = _check_binary_labels(y_true, y_pred, pos_label)
    n_samples = y_true.shape[0]
    if classes is not None:
        classes = np.asarray(classes).tolist()
        if len(classes) != 2 or pos_label not in classes or not set(labels) <= set(classes):
            raise ValueError(
                f"classes must be the 2 labels, including pos_label={pos_label!r} "
                f"and the labels present {labels}; got {classes}."
            )
        labels = classes
    rows = [pos_label] + [label for label in labels if label != pos_label]
    scores = None
    if y_score is not None:
        scores = positive_scores(y_score, pos_label=pos_label, classes=classes)
        check_consistent_length(y_true, scores)
    if groups is not None:
        groups = column_or_1d(groups)
        check_consistent_length(y_true, groups)

    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=rows, zero_division=zero_division
    )
    per_class = pd.DataFrame(
        {"precision": precision, "recall": recall, "f1-score": f1,
         "support": support.astype(int), "share": support / n_samples},
        index=pd.Index(rows, name="class"),
    )
    confusion = pd.crosstab(
        pd.Categorical(y_true, categories=rows), pd.Categorical(y_pred, categories=rows),
        rownames=["true"], colnames=["predicted"], dropna=False,
    )

    is_pos_true = y_true == pos_label
    rates = binary_rates(is_pos_true, y_pred == pos_label)
    names = ["accuracy", "sensitivity", "specificity"]
    values = [rates["accuracy"]] + [
        _zero_division_value(rates[name], zero_division, name, pos_label)
        for name in ("sensitivity", "specificity")
    ]
    if scores is not None:
        names.append("roc_auc")
        values.append(safe_roc_auc(is_pos_true, scores))
    overall = pd.DataFrame(np.nan, index=pd.Index(names, name="metric"), columns=_CI_COLUMNS)
    overall["value"] = np.asarray(values, dtype=float)

    if n_bootstraps:
        stats = np.array([
            _weighted_metrics(w, is_pos_true, y_pred == pos_label, scores)
            for w in _bootstrap_weights(n_samples, groups, n_bootstraps, random_state)
        ])
        alpha = (1 - confidence_level) / 2
        for j, name in enumerate(names):
            column = stats[:, j][~np.isnan(stats[:, j])]
            if column.size:
                overall.loc[name, ["ci_lower", "ci_upper"]] = np.percentile(
                    column, [100 * alpha, 100 * (1 - alpha)]
                )
    return ClassificationSummary(
        per_class, overall, confusion, pos_label=pos_label, n_samples=n_samples,
        n_bootstraps=n_bootstraps, confidence_level=confidence_level,
        bootstrap_unit="patients" if groups is not None else "images",
        n_units=len(np.unique(groups)) if groups is not None else n_samples,
    )
