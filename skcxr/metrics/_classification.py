"""The binary metrics of skcxr, computed in this one place.

Sensitivity is the recall of the positive class (``pos_label``); specificity is
the recall of the negative class, i.e. the share of negative cases predicted
negative. Both, and accuracy, come from :func:`_binary_rates` (weighted
confusion counts), which the public scores, the bootstrap of
:func:`~skcxr.metrics.classification_summary` and the per-source tables of
:func:`~skcxr.model_selection.evaluate_by_source` all call. An undefined rate
follows :func:`sklearn.metrics.recall_score`'s ``zero_division`` rules and
warning (:class:`~sklearn.exceptions.UndefinedMetricWarning`).

:func:`_positive_scores` and :func:`_estimator_positive_scores` are the one
place that picks "the score of the positive class" out of a ``predict_proba``
or ``decision_function`` output.
"""

import numbers
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils import check_consistent_length, column_or_1d
from sklearn.utils._param_validation import Interval, Options, StrOptions, validate_params
from sklearn.utils._response import _get_response_values
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import _check_sample_weight

from .._stack import caller_stacklevel

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


def _binary_rates(is_pos_true, is_pos_pred, sample_weight=None):
    """Accuracy, sensitivity and specificity from "is positive" indicator arrays.

    The one implementation of the binary metrics. ``sample_weight`` (one
    weight per sample; a weight of k counts a sample k times) may also be a
    2-D array of shape (n_resamples, n_samples), giving one value per row.
    Undefined rates (no positive, or no negative, weight) are NaN.

    Returns
    -------
    rates : dict
        ``accuracy``, ``sensitivity``, ``specificity``: floats, or arrays of
        shape (n_resamples,) for a 2-D ``sample_weight``.
    """
    t = np.asarray(is_pos_true, dtype=bool)
    p = np.asarray(is_pos_pred, dtype=bool)
    w = np.ones(t.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    tp, fn = w @ (t & p), w @ (t & ~p)
    tn, fp = w @ (~t & ~p), w @ (~t & p)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = {
            "accuracy": np.where(w.sum(axis=-1) > 0, (tp + tn) / w.sum(axis=-1), np.nan),
            "sensitivity": np.where(tp + fn > 0, tp / (tp + fn), np.nan),
            "specificity": np.where(tn + fp > 0, tn / (tn + fp), np.nan),
        }
    return {k: float(v) if np.ndim(v) == 0 else v for k, v in rates.items()}


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
    rates = _binary_rates(y_true == pos_label, y_pred == pos_label, sample_weight)
    return _zero_division_value(rates[name], zero_division, name, pos_label)


def _positive_scores(y_score, *, pos_label, classes=None):
    """Return the score of ``pos_label`` as a 1-D float array.

    ``y_score`` is either 1-D (already the positive-class score) or a
    2-column ``predict_proba`` output whose columns are ordered as ``classes``.
    """
    y_score = np.asarray(y_score, dtype=float)
    if y_score.ndim == 2 and y_score.shape[1] == 1:
        y_score = y_score[:, 0]
    if y_score.ndim == 1:
        return y_score
    if y_score.ndim != 2 or y_score.shape[1] != 2:
        raise ValueError(
            "y_score must be 1-D (score of the positive class) or of shape "
            f"(n_samples, 2) (predict_proba); got shape {y_score.shape}."
        )
    if classes is None:
        raise ValueError(
            "y_score has 2 columns; pass classes=estimator.classes_ to say which "
            "column holds the score of pos_label, or pass the positive column only."
        )
    classes = np.asarray(classes).tolist()
    if len(classes) != 2 or pos_label not in classes:
        raise ValueError(
            f"classes must hold the 2 column labels of y_score including "
            f"pos_label={pos_label!r}; got {classes}."
        )
    return y_score[:, classes.index(pos_label)]


def _estimator_positive_scores(estimator, X, pos_label):
    """Score of ``pos_label`` from a fitted binary classifier, 1-D.

    ``predict_proba``'s ``pos_label`` column, else ``decision_function``
    (negated when ``pos_label`` is ``classes_[0]``), chosen by label through
    scikit-learn's own ``_get_response_values``; NaN for an estimator with
    neither method.
    """
    if not (hasattr(estimator, "predict_proba") or hasattr(estimator, "decision_function")):
        return np.full(len(X), np.nan)
    scores, _ = _get_response_values(
        estimator, X, response_method=("predict_proba", "decision_function"),
        pos_label=pos_label,
    )
    return _positive_scores(scores, pos_label=pos_label,
                            classes=getattr(estimator, "classes_", None))


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
