"""Scores of binary classifiers: the one place each is computed.

:func:`binary_rates` (weighted confusion counts -> accuracy, sensitivity,
specificity) is what :mod:`skcxr.metrics` scores, the bootstrap of
:func:`~skcxr.metrics.classification_summary` and the per-source tables of
:mod:`skcxr.model_selection` all call. :func:`positive_scores` and
:func:`estimator_positive_scores` pick "the score of the positive class" out of
a ``predict_proba`` or ``decision_function`` output; :func:`safe_roc_auc` is
ROC AUC with the one guard every table needs (NaN for a group holding one
class only). Private to skcxr (``skcxr.utils`` is the shared floor).
"""

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.utils._response import _get_response_values


def binary_rates(is_pos_true, is_pos_pred, sample_weight=None):
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


def positive_scores(y_score, *, pos_label, classes=None):
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


def estimator_positive_scores(estimator, X, pos_label):
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
    return positive_scores(scores, pos_label=pos_label,
                           classes=getattr(estimator, "classes_", None))


def safe_roc_auc(is_pos_true, y_score, *, sample_weight=None, nan_scores="raise"):
    """ROC AUC of ``y_score`` for the "is positive" indicator, NaN where undefined.

    Undefined (NaN): no sample, or only one class among the samples of
    positive weight. ``nan_scores="nan"`` also gives NaN when a score is NaN
    (the marker of an estimator without scores, see
    :func:`estimator_positive_scores`); with ``"raise"`` scikit-learn's error
    for NaN input stands.

    Returns
    -------
    float
    """
    t = np.asarray(is_pos_true, dtype=bool)
    s = np.asarray(y_score, dtype=float)
    if sample_weight is not None:
        drawn = np.asarray(sample_weight) > 0
        t, s, sample_weight = t[drawn], s[drawn], np.asarray(sample_weight)[drawn]
    if t.all() or not t.any():
        return np.nan
    if nan_scores == "nan" and np.isnan(s).any():
        return np.nan
    return float(roc_auc_score(t, s, sample_weight=sample_weight))
