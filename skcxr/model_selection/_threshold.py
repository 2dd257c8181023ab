"""A classifier whose decision threshold, chosen for a target sensitivity on a
patient-grouped inner cross-validation of its training rows, travels with it."""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import _fit_context, clone
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, TunedThresholdClassifierCV
from sklearn.utils import _safe_indexing, indexable
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params
from sklearn.utils.metadata_routing import (
    MetadataRouter, MethodMapping, _routing_enabled, process_routing)
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    _check_method_params, _num_samples, check_is_fitted, column_or_1d)

from ..utils._scores import estimator_positive_scores

#: Sensitivity the recipes' decision threshold is set for (and
#: :func:`leave_one_source_out`'s default): chosen on held-out sources
#: (``benchmarks/bench_sources.py``), one value everywhere.
TARGET_SENSITIVITY = 0.92


@validate_params(
    # target: a number here; its range (0, 1] is checked below, whose message names
    # the target sensitivity (leave_one_source_out passes its target_sensitivity)
    {"y_true": ["array-like"], "y_score": ["array-like"], "target": [Real],
     "pos_label": [str, Real]},
    prefer_skip_nested_validation=True,
)
def threshold_for_sensitivity(y_true, y_score, *, target=0.9, pos_label="covid"):
    """The highest threshold whose sensitivity on ``(y_true, y_score)`` reaches ``target``.

    Predicting positive when ``y_score >= threshold`` then labels at least a
    ``target`` share of the positives positive (ties may add more).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_score : array-like of shape (n_samples,)
        Scores of the positive class.
    target : float, default=0.9
        Wanted sensitivity in (0, 1].
    pos_label : str, default="covid"
        The positive class.

    Returns
    -------
    threshold : float
        The highest decision threshold on ``y_score`` whose sensitivity
        reaches ``target``.

    Examples
    --------
    >>> from skcxr.model_selection import threshold_for_sensitivity
    >>> threshold_for_sensitivity(["covid"] * 4 + ["non-covid"] * 2,
    ...                           [0.9, 0.8, 0.4, 0.2, 0.3, 0.1], target=0.75)
    0.4
    """
    y_true = np.asarray(y_true, dtype=object)
    y_score = np.asarray(y_score, dtype=float)
    if not isinstance(target, Real) or not 0 < target <= 1:
        raise ValueError(f"target sensitivity must be in (0, 1], got {target!r}")
    positive = np.sort(y_score[y_true == pos_label])[::-1]
    if positive.size == 0:
        raise ValueError(f"no {pos_label!r} row to set a threshold for sensitivity on")
    if np.isnan(positive).any():
        raise ValueError("scores hold NaN: the estimator gives no usable score")
    k = max(1, math.ceil(target * positive.size - 1e-9))
    return float(positive[k - 1])


class UngroupedThresholdWarning(UserWarning):
    """The inner cross-validation that sets the threshold could not group by patient."""


def with_groups(estimator, fit_params, groups):
    """``fit_params`` plus ``groups`` when ``estimator`` takes them in ``fit`` (a
    :class:`SensitivityThresholdClassifierCV`, whose inner folds then group by patient)."""
    if isinstance(estimator, SensitivityThresholdClassifierCV):
        return {**fit_params, "groups": groups}
    return fit_params


def _oof_scores(estimator, X, y, train, test, fit_params, pos_label):
    fitted = clone(estimator).fit(_safe_indexing(X, train), _safe_indexing(y, train),
                                  **_check_method_params(X, fit_params, indices=train))
    return test, estimator_positive_scores(fitted, _safe_indexing(X, test), pos_label)


class SensitivityThresholdClassifierCV(TunedThresholdClassifierCV):
    """Binary classifier with a decision threshold set for a target sensitivity.

    At ``fit``, out-of-fold scores of the training rows are computed with a
    patient-grouped inner cross-validation (``StratifiedGroupKFold``); the
    threshold is the highest one whose sensitivity on them reaches
    ``target_sensitivity`` (:func:`threshold_for_sensitivity`); then
    ``estimator`` is refitted on every row. ``predict`` labels an image
    positive when its score is ``>= best_threshold_``: the same threshold in
    ``predict``, ``skcxr predict``, :func:`leave_one_source_out` and every
    report, and it survives ``clone`` (as a parameter choice), pickle and
    skops. Built on scikit-learn's
    :class:`~sklearn.model_selection.TunedThresholdClassifierCV` (metadata
    routing, ``classes_``, ``predict_proba`` delegation).

    The inner folds are grouped by patient: by ``groups`` passed to ``fit``
    (routed through scikit-learn's metadata routing when it is enabled, as
    the splitter's ``groups``), else by the column ``groups_column`` of ``X``
    when ``X`` is a table (e.g. ``make_covid_dataset(...)`` itself); with
    neither, the folds are stratified only and an
    :class:`UngroupedThresholdWarning` says so.

    An optional applicability ``gate`` (:class:`skcxr.applicability.ApplicabilityGate`)
    is fitted on the training images beside the model; ``predict`` and
    ``predict_proba`` then warn (:class:`skcxr.applicability.ApplicabilityWarning`)
    once per call when any image fails it. Their outputs are unchanged.

    Parameters
    ----------
    estimator : classifier
        Binary classifier or pipeline with ``predict_proba`` or
        ``decision_function``; cloned.
    target_sensitivity : float, default=TARGET_SENSITIVITY
        Sensitivity in (0, 1] the threshold must reach on the out-of-fold scores.
    pos_label : str, int or None, default="covid"
        The positive class; ``None``: the greater of the two labels
        (scikit-learn's convention).
    cv : int or cross-validation generator, default=5
        An int is the number of ``StratifiedGroupKFold`` folds (shuffled,
        seeded by ``random_state``).
    groups_column : str or None, default="patientid"
        Column of a table ``X`` used as groups when none are passed.
    gate : estimator with ``fit`` and ``check``, default=None
        Applicability gate fitted on the training ``X``.
    n_jobs : int, default=None
        Inner fits in parallel (joblib).
    random_state : int, RandomState instance or None, default=0
        Seeds the inner folds.
    response_method : {"auto", "predict_proba", "decision_function"}, default="auto"
        The score of ``estimator`` the threshold applies to (``"auto"``:
        ``predict_proba``, else ``decision_function``).

    Attributes
    ----------
    estimator_ : estimator
        ``estimator`` refitted on every training row.
    best_threshold_ : float
        The decision threshold ``predict`` applies to the positive-class score.
    best_score_ : float
        Out-of-fold specificity at ``best_threshold_`` (internal, optimistic
        for a new hospital).
    oof_scores_ : ndarray of shape (n_samples,)
        Out-of-fold positive-class scores of the training rows.
    gate_ : estimator or None
        The fitted gate.
    pos_label_ : str or int
        The positive class used.
    classes_ : ndarray of shape (2,)
        The class labels.

    See Also
    --------
    sklearn.model_selection.TunedThresholdClassifierCV : threshold maximising a score.
    sklearn.model_selection.FixedThresholdClassifier : a threshold chosen by hand.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcxr.model_selection import SensitivityThresholdClassifierCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(80, 2)); y = np.repeat(["covid", "non-covid"], 40)
    >>> X[:40] += 1.0
    >>> model = SensitivityThresholdClassifierCV(
    ...     LogisticRegression(), target_sensitivity=0.9, cv=4).fit(
    ...     X, y, groups=np.arange(80) // 2)
    >>> bool((model.predict(X) == "covid")[:40].mean() >= 0.85)
    True
    >>> 0.0 < model.best_threshold_ < 1.0
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "target_sensitivity": [Interval(Real, 0, 1, closed="right")],
        "pos_label": [str, Real, None],
        "cv": ["cv_object"],
        "groups_column": [str, None],
        "gate": [HasMethods(["fit", "check"]), None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "response_method": [StrOptions({"auto", "predict_proba", "decision_function"})],
    }

    def __init__(self, estimator, *, target_sensitivity=TARGET_SENSITIVITY, pos_label="covid",
                 cv=5, groups_column="patientid", gate=None, n_jobs=None, random_state=0,
                 response_method="auto"):
        self.estimator = estimator
        self.target_sensitivity = target_sensitivity
        self.pos_label = pos_label
        self.cv = cv
        self.groups_column = groups_column
        self.gate = gate
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.response_method = response_method

    def _splitter(self, groups):
        if isinstance(self.cv, Integral):
            kind = StratifiedGroupKFold if groups is not None else StratifiedKFold
            return kind(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        return self.cv

    def _groups(self, X, groups):
        if groups is None and self.groups_column is not None and hasattr(X, "columns") \
                and self.groups_column in X.columns:
            groups = X[self.groups_column].to_numpy()
        if groups is None:
            warnings.warn(
                "SensitivityThresholdClassifierCV: no groups were passed and X has no "
                f"{self.groups_column!r} column, so the inner folds that set the threshold "
                "are not grouped by patient (images of one patient may sit on both sides); "
                "pass fit(X, y, groups=patient_ids) or a table with that column",
                UngroupedThresholdWarning, stacklevel=3)
        return groups

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **params):
        """Fit the inner CV, set the threshold, refit on every row, fit the gate.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            Training input of ``estimator`` (image paths, a table with a
            ``path`` column, features...).
        y : array-like of shape (n_samples,)
            Binary labels.
        **params : dict
            ``groups`` (patient ids) for the inner folds, and fit parameters of
            ``estimator`` (``step__name`` for a pipeline). With metadata routing
            enabled they are routed as requested instead.

        Returns
        -------
        self : object
            Fitted.
        """
        X, y = indexable(X, column_or_1d(y, warn=True))
        if _num_samples(X) == 0:
            raise ValueError(f"{type(self).__name__}: 0 samples (X of length 0); at least "
                             "one image per class is needed")
        y_type = type_of_target(y, input_name="y")
        if y_type != "binary":
            raise ValueError(f"Only binary classification is supported. Unknown label type: "
                             f"{y_type} (labels {sorted(set(np.asarray(y).tolist()), key=str)[:5]})")
        labels = sorted(set(np.asarray(y).tolist()))
        self.pos_label_ = labels[-1] if self.pos_label is None else self.pos_label
        if self.pos_label_ not in labels:
            raise ValueError(f"pos_label {self.pos_label!r} is not among the labels {labels}")
        if _routing_enabled():
            routed = process_routing(self, "fit", **params)
            groups = routed.splitter.split.get("groups")
            fit_params = routed.estimator.fit
        else:
            fit_params = dict(params)
            groups = fit_params.pop("groups", None)
        groups = self._groups(X, groups)
        splitter = self._splitter(groups)
        split_args = {} if groups is None else {"groups": groups}
        oof = np.full(len(y), np.nan)
        for test, scores in Parallel(n_jobs=self.n_jobs)(
                delayed(_oof_scores)(self.estimator, X, y, train, test, fit_params,
                                     self.pos_label_)
                for train, test in splitter.split(X, y, **split_args)):
            oof[test] = scores
        y_array = np.asarray(y, dtype=object)
        self.best_threshold_ = threshold_for_sensitivity(
            y_array, oof, target=self.target_sensitivity, pos_label=self.pos_label_)
        negative = y_array != self.pos_label_
        self.best_score_ = float(np.mean(oof[negative] < self.best_threshold_))
        self.oof_scores_ = oof
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        self.gate_ = None if self.gate is None else clone(self.gate).fit(X)
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, name):
                setattr(self, name, getattr(self.estimator_, name))
        return self

    def get_metadata_routing(self):
        """Routing: ``groups`` to the inner splitter, fit parameters to ``estimator``.

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
            Used when metadata routing is enabled.
        """
        return (MetadataRouter(owner=self)
                .add(estimator=self.estimator,
                     method_mapping=MethodMapping().add(callee="fit", caller="fit"))
                .add(splitter=self._splitter(groups=True),
                     method_mapping=MethodMapping().add(callee="split", caller="fit")))

    def set_output(self, *, transform=None):
        """Set the output container of the transformers inside ``estimator``.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            As :meth:`sklearn.pipeline.Pipeline.set_output`; ``None`` leaves it.

        Returns
        -------
        self : object
            This estimator.
        """
        for inner in (self.estimator, getattr(self, "estimator_", None)):
            if hasattr(inner, "set_output"):
                inner.set_output(transform=transform)
        return self

    def _check_gate(self, X):
        """Warn once when any image of ``X`` fails the gate (paths or a table only)."""
        if self.gate_ is None or isinstance(X, np.ndarray):
            return
        from ..applicability import warn_if_inapplicable

        warn_if_inapplicable(self.gate_.check(X), stacklevel=3)

    def predict(self, X):
        """Labels: ``pos_label`` where the positive-class score is ``>= best_threshold_``.

        Parameters
        ----------
        X : array-like
            Input of ``estimator``.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Predicted classes.
        """
        check_is_fitted(self, "estimator_")
        self._check_gate(X)
        score = estimator_positive_scores(self.estimator_, X, self.pos_label_)
        negative = [c for c in self.classes_ if c != self.pos_label_][0]
        return np.where(score >= self.best_threshold_, self.pos_label_, negative).astype(
            self.classes_.dtype)

    def predict_proba(self, X):
        """Class probabilities of ``estimator_`` (unchanged by the threshold).

        Parameters
        ----------
        X : array-like
            Input of ``estimator``.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self, "estimator_")
        self._check_gate(X)
        return self.estimator_.predict_proba(X)

