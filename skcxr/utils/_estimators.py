"""Looking inside composite estimators: the one rule for "the model inside"."""

#: Fitted attributes of meta-estimators that hold the model they wrap
#: (``GridSearchCV.best_estimator_``, ``SensitivityThresholdClassifierCV.estimator_``).
WRAPPED_ATTRIBUTES = ("best_estimator_", "estimator_")


def inner_estimator(estimator):
    """The estimator one level inside ``estimator``, or None.

    A fitted meta-estimator's ``best_estimator_`` or ``estimator_`` (the first
    that is set), else a Pipeline's last step.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcxr.utils._estimators import inner_estimator
    >>> inner_estimator(make_pipeline(StandardScaler(), LogisticRegression()))
    LogisticRegression()
    >>> inner_estimator(LogisticRegression()) is None
    True
    """
    for name in WRAPPED_ATTRIBUTES:
        inner = getattr(estimator, name, None)
        if inner is not None:
            return inner
    if hasattr(estimator, "steps"):
        return estimator.steps[-1][1]
    return None


def final_estimator(estimator):
    """The innermost estimator: :func:`inner_estimator` followed to the end.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.pipeline import make_pipeline
    >>> from skcxr.utils._estimators import final_estimator
    >>> search = GridSearchCV(make_pipeline(LogisticRegression()), {}, cv=2)
    >>> final_estimator(search.fit([[0], [1], [2], [3]], [0, 1, 0, 1]))
    LogisticRegression()
    """
    seen = set()
    while id(estimator) not in seen:
        seen.add(id(estimator))
        inner = inner_estimator(estimator)
        if inner is None:
            return estimator
        estimator = inner
    return estimator
