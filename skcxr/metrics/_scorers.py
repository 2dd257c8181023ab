"""Scorers for model selection: GridSearchCV / cross_validate with ``pos_label``."""

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    make_scorer,
    roc_auc_score,
)

from sklearn.utils._param_validation import validate_params

from ._classification import POS_LABEL, ZERO_DIVISION, sensitivity_score, specificity_score

__all__ = ["get_scorers"]


def _roc_auc_positive(y_true, y_score, *, pos_label, sample_weight=None):
    """ROC AUC of ``y_score`` (score of ``pos_label``) against ``y_true == pos_label``.

    :func:`sklearn.metrics.roc_auc_score` takes no ``pos_label``; the scorer
    needs one so that it selects the right ``predict_proba`` column (sklearn
    does that from the scorer's ``pos_label`` keyword), whatever the order of
    ``classes_``.
    """
    return roc_auc_score(
        np.asarray(y_true) == pos_label, y_score, sample_weight=sample_weight
    )


@validate_params(
    {"pos_label": POS_LABEL, "zero_division": ZERO_DIVISION},
    prefer_skip_nested_validation=True,
)
def get_scorers(pos_label="covid", *, zero_division="warn"):
    """Scorers for ``GridSearchCV(scoring=...)`` and ``cross_validate(scoring=...)``.

    Every scorer is an sklearn scorer object (:func:`sklearn.metrics.make_scorer`);
    pick any key as ``refit`` in :class:`~sklearn.model_selection.GridSearchCV`.

    Parameters
    ----------
    pos_label : str or int, default="covid"
        The positive class. For integer targets pass e.g. ``pos_label=1``.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Passed to :func:`sensitivity_score` and :func:`specificity_score`
        (a fold without positive or negative cases).

    Returns
    -------
    scorers : dict of str to callable
        ``"accuracy"``, ``"balanced_accuracy"``, ``"sensitivity"``,
        ``"specificity"`` (scored on ``predict``) and ``"roc_auc"`` (scored
        on the ``pos_label`` column of ``predict_proba``, or on
        ``decision_function`` for estimators without ``predict_proba``; the
        column is chosen by label, so the order of ``classes_`` does not
        matter).

    See Also
    --------
    sensitivity_score, specificity_score
    sklearn.metrics.make_scorer

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skcxr.metrics import get_scorers
    >>> X, y = make_classification(n_samples=60, random_state=0)
    >>> y = ["covid" if label else "non-covid" for label in y]
    >>> search = GridSearchCV(
    ...     LogisticRegression(), {"C": [0.01, 1.0]}, cv=3,
    ...     scoring=get_scorers(), refit="sensitivity",
    ... ).fit(X, y)
    >>> sorted(get_scorers())
    ['accuracy', 'balanced_accuracy', 'roc_auc', 'sensitivity', 'specificity']
    >>> search.best_params_
    {'C': ...}
    >>> sorted(search.cv_results_)[:3]  # one column per scorer
    ['mean_fit_time', 'mean_score_time', 'mean_test_accuracy']
    """
    return {
        "accuracy": make_scorer(accuracy_score),
        "balanced_accuracy": make_scorer(balanced_accuracy_score),
        "sensitivity": make_scorer(
            sensitivity_score, pos_label=pos_label, zero_division=zero_division
        ),
        "specificity": make_scorer(
            specificity_score, pos_label=pos_label, zero_division=zero_division
        ),
        "roc_auc": make_scorer(
            _roc_auc_positive,
            response_method=("predict_proba", "decision_function"),
            pos_label=pos_label,
        ),
    }
