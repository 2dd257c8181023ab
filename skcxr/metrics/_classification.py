"""The binary metrics of skcxr, computed in this one place.

Sensitivity is the recall of the positive class (``pos_label``); specificity is
the recall of the negative class, i.e. the share of negative cases predicted
negative. Both, and accuracy, come from :func:`skcxr.utils._scores.binary_rates` (weighted
confusion counts), which the public scores, the bootstrap of
:func:`~skcxr.metrics.classification_summary` and the per-source tables of
:func:`~skcxr.model_selection.evaluate_by_source` all call. An undefined rate
follows :func:`sklearn.metrics.recall_score`'s ``zero_division`` rules and
warning (:class:`~sklearn.exceptions.UndefinedMetricWarning`).

:func:`skcxr.utils._scores.positive_scores` and ``estimator_positive_scores`` are the one
place that picks "the score of the positive class" out of a ``predict_proba``
or ``decision_function`` output.
"""

import numbers
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils import check_consistent_length, column_or_1d
from sklearn.utils._param_validation import Interval, Options, StrOptions, validate_params
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import _check_sample_weight

from ..utils._stack import caller_stacklevel
from ..utils._scores import binary_rates

__all__ = ["sensitivity_score", "specificity_score"]

#: Constraint of ``pos_label`` (a label: string, number or bool).
POS_LABEL = [str, numbers.Real, "boolean"]
#: Constraint of ``zero_division``, as in :func:`sklearn.metrics.recall_score`.
ZERO_DIVISION = [Options(numbers.Real, {0.0, 1.0}), "nan", StrOptions({"warn"})]

_METRIC_CONSTRAINTS = {
    "y_true": ["array-like"],
    "y_pred": ["array-like"],
    "pos_label": POS_LABEL,
    "sample_weight": ["array-like", None],
    "zero_division": ZERO_DIVISION,
}


def _zero_division_value(value, zero_division, name, pos_label):
    """``value``, or what ``zero_division`` says when it is undefined (NaN)."""
    if not np.isnan(value):
        return float(value)
    if zero_division == "warn":
        cases = "positive" if name == "sensitivity" else "negative"
        warnings.warn(
            f"Recall is ill-defined and being set to 0.0 due to no true samples: the "
            f"{name} is undefined, y_true holds no {cases} case (pos_label={pos_label!r}). "
            "Use `zero_division` parameter to control this behavior.",
            UndefinedMetricWarning, stacklevel=caller_stacklevel(),
        )
        return 0.0
    return float(zero_division)


def _binary_score(name, y_true, y_pred, pos_label, sample_weight, zero_division):
    y_true, y_pred, _ = _check_binary_labels(y_true, y_pred, pos_label)
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, y_true)
    rates = binary_rates(y_true == pos_label, y_pred == pos_label, sample_weight)
    return _zero_division_value(rates[name], zero_division, name, pos_label)


def _is_string_like(value):
    return isinstance(value, (str, np.str_))


def _check_binary_labels(y_true, y_pred, pos_label):
    """Validate binary targets and ``pos_label``; return (y_true, y_pred, labels).

    ``pos_label`` must be one of the labels present, except when only one
    label is present and it is of the same kind (both strings or both
    numbers): then ``pos_label`` may legitimately be absent, e.g. a test set
    of negative cases all predicted negative.
    """
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    check_consistent_length(y_true, y_pred)
    if y_true.shape[0] == 0:
        raise ValueError("y_true and y_pred are empty; need at least one sample.")
    labels = unique_labels(y_true, y_pred).tolist()
    if len(labels) > 2:
        raise ValueError(
            f"sensitivity and specificity are defined for binary targets; got "
            f"{len(labels)} labels {labels}."
        )
    same_kind = all(
        _is_string_like(label) == _is_string_like(pos_label) for label in labels
    ) and (
        _is_string_like(pos_label) or isinstance(pos_label, (numbers.Number, np.bool_))
    )
    if pos_label not in labels and (len(labels) == 2 or not same_kind):
        hint = ""
        if _is_string_like(pos_label) and not all(_is_string_like(lab) for lab in labels):
            hint = (
                " The default pos_label='covid' fits the string labels "
                "'covid'/'non-covid'; for integer labels pass e.g. pos_label=1."
            )
        raise ValueError(
            f"pos_label={pos_label!r} is not among the labels present in y_true "
            f"and y_pred: {labels}.{hint}"
        )
    return y_true, y_pred, labels


@validate_params(_METRIC_CONSTRAINTS, prefer_skip_nested_validation=True)
def sensitivity_score(
    y_true, y_pred, *, pos_label="covid", sample_weight=None, zero_division="warn"
):
    """Sensitivity (true positive rate): recall of the positive class.

    ``TP / (TP + FN)``: the share of positive cases (e.g. COVID-19 X-rays)
    that the classifier labels positive.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground-truth labels, at most two distinct values (strings or numbers).
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    pos_label : str or int, default="covid"
        The positive class. For integer labels pass e.g. ``pos_label=1``.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Value returned when there is no positive case in ``y_true``; as in
        :func:`sklearn.metrics.recall_score` ("warn" returns 0.0 and warns).

    Returns
    -------
    float
        The sensitivity in [0, 1] (or ``zero_division``).

    Raises
    ------
    ValueError
        If there are more than two labels, or ``pos_label`` is not among the
        labels of ``y_true`` and ``y_pred`` (it may be absent only when a
        single label of the same kind is present, e.g. only negatives).

    See Also
    --------
    specificity_score : Recall of the negative class.
    sklearn.metrics.recall_score : The same value, as sklearn computes it.

    Examples
    --------
    >>> from skcxr.metrics import sensitivity_score
    >>> y_true = ["covid", "covid", "covid", "non-covid"]
    >>> y_pred = ["covid", "covid", "non-covid", "covid"]
    >>> sensitivity_score(y_true, y_pred)
    0.666...
    >>> sensitivity_score([1, 1, 0, 0], [1, 0, 0, 0], pos_label=1)
    0.5
    """
    return _binary_score("sensitivity", y_true, y_pred, pos_label, sample_weight,
                         zero_division)


@validate_params(_METRIC_CONSTRAINTS, prefer_skip_nested_validation=True)
def specificity_score(
    y_true, y_pred, *, pos_label="covid", sample_weight=None, zero_division="warn"
):
    """Specificity (true negative rate): recall of the negative class.

    ``TN / (TN + FP)``: the share of negative cases (e.g. non-COVID X-rays)
    that the classifier labels negative. Every label other than ``pos_label``
    is negative; at most two labels may be present.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground-truth labels, at most two distinct values (strings or numbers).
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    pos_label : str or int, default="covid"
        The positive class. For integer labels pass e.g. ``pos_label=1``.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Value returned when there is no negative case in ``y_true``; as in
        :func:`sklearn.metrics.recall_score` ("warn" returns 0.0 and warns).

    Returns
    -------
    float
        The specificity in [0, 1] (or ``zero_division``).

    Raises
    ------
    ValueError
        If there are more than two labels, or ``pos_label`` is not among the
        labels of ``y_true`` and ``y_pred`` (it may be absent only when a
        single label of the same kind is present, e.g. only negatives).

    See Also
    --------
    sensitivity_score : Recall of the positive class.
    sklearn.metrics.recall_score : The same value, as sklearn computes it.

    Examples
    --------
    >>> from skcxr.metrics import specificity_score
    >>> y_true = ["covid", "non-covid", "non-covid", "non-covid", "non-covid"]
    >>> y_pred = ["covid", "non-covid", "non-covid", "non-covid", "covid"]
    >>> specificity_score(y_true, y_pred)
    0.75
    >>> specificity_score([1, 1, 0, 0], [1, 0, 0, 1], pos_label=1)
    0.5
    """
    return _binary_score("specificity", y_true, y_pred, pos_label, sample_weight,
                         zero_division)
