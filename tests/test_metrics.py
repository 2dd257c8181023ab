"""Tests for skcxr.metrics against hand-computed confusion matrices."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, recall_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from skcxr.metrics import (
    ClassificationSummary,
    classification_summary,
    get_scorers,
    sensitivity_score,
    specificity_score,
)
from skcxr.metrics._summary import _bootstrap_weights, _weighted_metrics

C, N = "covid", "non-covid"

# Hand-made confusion matrix: TP=3, FN=1, TN=4, FP=2 (10 images).
Y_TRUE = [C] * 4 + [N] * 6
Y_PRED = [C, C, C, N] + [N, N, N, N, C, C]
Y_SCORE = [0.9, 0.8, 0.6, 0.3] + [0.1, 0.2, 0.4, 0.35, 0.7, 0.65]


def test_sensitivity_specificity_hand_computed():
    assert sensitivity_score(Y_TRUE, Y_PRED) == pytest.approx(3 / 4)
    assert specificity_score(Y_TRUE, Y_PRED) == pytest.approx(4 / 6)
    # swapping the positive class swaps the two
    assert sensitivity_score(Y_TRUE, Y_PRED, pos_label=N) == pytest.approx(4 / 6)
    assert specificity_score(Y_TRUE, Y_PRED, pos_label=N) == pytest.approx(3 / 4)
    assert isinstance(sensitivity_score(Y_TRUE, Y_PRED), float)


def test_integer_labels_match_string_labels():
    y_true = [1 if y == C else 0 for y in Y_TRUE]
    y_pred = [1 if y == C else 0 for y in Y_PRED]
    assert sensitivity_score(y_true, y_pred, pos_label=1) == pytest.approx(3 / 4)
    assert specificity_score(y_true, y_pred, pos_label=1) == pytest.approx(4 / 6)
    assert specificity_score(y_true, y_pred, pos_label=0) == pytest.approx(3 / 4)
    # same as sklearn's recall of each class
    assert specificity_score(y_true, y_pred, pos_label=1) == pytest.approx(
        recall_score(y_true, y_pred, pos_label=0)
    )
    # numpy arrays and pandas Series work too
    assert sensitivity_score(pd.Series(Y_TRUE), np.array(Y_PRED)) == pytest.approx(0.75)


def test_sample_weight_is_passed_to_sklearn():
    weights = [2, 1, 1, 1] + [1] * 6  # double the first true positive
    assert sensitivity_score(Y_TRUE, Y_PRED, sample_weight=weights) == pytest.approx(4 / 5)


def test_default_pos_label_with_integer_labels_raises_clear_error():
    with pytest.raises(ValueError, match=r"pos_label='covid'.*\[0, 1\].*pos_label=1"):
        sensitivity_score([0, 1, 1], [0, 1, 0])
    with pytest.raises(ValueError, match="pos_label='covid'"):
        specificity_score([0, 0, 0], [0, 0, 0])  # one integer label: still a mismatch


@pytest.mark.parametrize("metric", [sensitivity_score, specificity_score])
def test_absent_pos_label_names_it_and_the_labels(metric):
    with pytest.raises(ValueError, match=r"pos_label='Covid'.*\['covid', 'non-covid'\]"):
        metric(Y_TRUE, Y_PRED, pos_label="Covid")
    with pytest.raises(ValueError, match=r"pos_label=2 .*\[0, 1\]"):
        metric([0, 1], [1, 0], pos_label=2)


def test_more_than_two_labels_and_bad_lengths_raise():
    with pytest.raises(ValueError, match="binary.*3 labels"):
        sensitivity_score([C, N, "pneumonia"], [C, N, N])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        specificity_score([C, N], [C])
    with pytest.raises(ValueError, match="empty"):
        sensitivity_score([], [])


def test_all_predicted_positive():
    y_pred = [C] * 10
    assert sensitivity_score(Y_TRUE, y_pred) == 1.0
    assert specificity_score(Y_TRUE, y_pred) == 0.0


def test_one_class_only_in_y_true():
    # only covid cases: sensitivity defined, specificity is 0/0
    y_true, y_pred = [C, C, C, C], [C, N, C, C]
    assert sensitivity_score(y_true, y_pred) == pytest.approx(0.75)
    with pytest.warns(UndefinedMetricWarning):
        assert specificity_score(y_true, y_pred) == 0.0
    assert specificity_score(y_true, y_pred, zero_division=1.0) == 1.0
    assert np.isnan(specificity_score(y_true, y_pred, zero_division=np.nan))
    # only non-covid cases, some predicted covid: sensitivity is 0/0
    y_true, y_pred = [N, N, N, N], [N, C, N, N]
    assert specificity_score(y_true, y_pred) == pytest.approx(0.75)
    assert sensitivity_score(y_true, y_pred, zero_division=1.0) == 1.0


def test_only_negatives_everywhere_is_allowed_with_same_kind_pos_label():
    # pos_label 'covid' absent, but one string label: a legitimate all-negative test set
    y = [N, N, N]
    assert specificity_score(y, y) == 1.0
    with pytest.warns(UndefinedMetricWarning, match="Recall is ill-defined") as record:
        assert sensitivity_score(y, y) == 0.0
    # reported from this line, not from sklearn's validate_params wrapper
    assert record[0].filename == __file__
    assert np.isnan(sensitivity_score(y, y, zero_division=np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sensitivity_score(y, y, zero_division=0.0) == 0.0


# ----------------------------------------------------------------------------- scorers


def _string_data(n_samples=80, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, 3))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=n_samples) > 0, C, N)
    return X, y


def test_scorers_equal_direct_metrics_on_fitted_estimator():
    X, y = _string_data()
    clf = LogisticRegression().fit(X, y)
    assert list(clf.classes_) == [C, N]  # covid is column 0: a wrong column would flip AUC
    scorers = get_scorers()
    assert set(scorers) == {"accuracy", "balanced_accuracy", "sensitivity",
                            "specificity", "roc_auc"}
    y_pred = clf.predict(X)
    p_covid = clf.predict_proba(X)[:, 0]
    assert scorers["accuracy"](clf, X, y) == pytest.approx(accuracy_score(y, y_pred))
    assert scorers["sensitivity"](clf, X, y) == pytest.approx(sensitivity_score(y, y_pred))
    assert scorers["specificity"](clf, X, y) == pytest.approx(specificity_score(y, y_pred))
    auc = roc_auc_score(y == C, p_covid)
    assert auc > 0.8
    assert scorers["roc_auc"](clf, X, y) == pytest.approx(auc)
    # pos_label="non-covid" scores the other column: same AUC for a binary problem
    assert get_scorers(N)["roc_auc"](clf, X, y) == pytest.approx(auc)
    assert get_scorers(N)["sensitivity"](clf, X, y) == pytest.approx(
        specificity_score(y, y_pred)
    )


def test_roc_auc_scorer_with_integer_labels_and_decision_function():
    from sklearn.svm import LinearSVC

    X, y = _string_data()
    y_int = (y == C).astype(int)
    clf = LinearSVC().fit(X, y_int)  # no predict_proba: falls back on decision_function
    expected = roc_auc_score(y_int, clf.decision_function(X))
    assert get_scorers(pos_label=1)["roc_auc"](clf, X, y_int) == pytest.approx(expected)
    assert get_scorers(pos_label=0)["roc_auc"](clf, X, y_int) == pytest.approx(expected)


@pytest.mark.parametrize(
    "refit", ["accuracy", "balanced_accuracy", "sensitivity", "specificity", "roc_auc"]
)
def test_grid_search_refits_by_each_scorer(refit):
    X, y = _string_data()
    search = GridSearchCV(
        LogisticRegression(),
        {"C": [1e-3, 1.0], "class_weight": [None, {C: 5.0, N: 1.0}]},
        scoring=get_scorers(),
        refit=refit,
        cv=StratifiedKFold(3),
    ).fit(X, y)
    results = pd.DataFrame(search.cv_results_)
    assert results[f"mean_test_{refit}"].notna().all()
    best = results[f"mean_test_{refit}"].idxmax()
    assert search.best_index_ == best
    assert search.best_score_ == pytest.approx(results.loc[best, f"mean_test_{refit}"])
    assert search.predict(X[:3]).tolist()[0] in (C, N)


def test_sensitivity_refit_prefers_covid_weighting():
    # heavy covid class weight trades specificity for sensitivity
    X, y = _string_data()
    grid = {"class_weight": [{C: 1.0, N: 20.0}, {C: 20.0, N: 1.0}]}
    kwargs = dict(scoring=get_scorers(), cv=StratifiedKFold(3))
    by_sens = GridSearchCV(LogisticRegression(), grid, refit="sensitivity", **kwargs).fit(X, y)
    by_spec = GridSearchCV(LogisticRegression(), grid, refit="specificity", **kwargs).fit(X, y)
    assert by_sens.best_params_["class_weight"][C] == 20.0
    assert by_spec.best_params_["class_weight"][N] == 20.0


def test_cross_validate_with_scorers_matches_manual_folds():
    X, y = _string_data()
    cv = StratifiedKFold(4)
    scores = cross_validate(LogisticRegression(), X, y, cv=cv, scoring=get_scorers())
    for i, (train, test) in enumerate(cv.split(X, y)):
        clf = LogisticRegression().fit(X[train], y[train])
        y_pred = clf.predict(X[test])
        assert scores["test_sensitivity"][i] == pytest.approx(
            sensitivity_score(y[test], y_pred))
        assert scores["test_specificity"][i] == pytest.approx(
            specificity_score(y[test], y_pred))
        assert scores["test_roc_auc"][i] == pytest.approx(
            roc_auc_score(y[test] == C, clf.predict_proba(X[test])[:, 0]))


def test_scorers_are_picklable_for_parallel_search():
    import pickle

    scorers = pickle.loads(pickle.dumps(get_scorers(pos_label=1)))
    X, y = _string_data()
    y_int = (y == C).astype(int)
    clf = LogisticRegression().fit(X, y_int)
    assert scorers["sensitivity"](clf, X, y_int) == pytest.approx(
        sensitivity_score(y_int, clf.predict(X), pos_label=1))


# ----------------------------------------------------------------------------- summary


def test_summary_tables_hand_computed():
    summary = classification_summary(Y_TRUE, Y_PRED, n_bootstraps=0)
    assert isinstance(summary, ClassificationSummary)
    per_class = summary.per_class
    assert per_class.index.tolist() == [C, N]
    assert per_class.columns.tolist() == ["precision", "recall", "f1-score", "support", "share"]
    # covid: TP=3, FP=2, FN=1; non-covid: TN=4, FN=1, FP=2
    np.testing.assert_allclose(per_class.loc[C], [3 / 5, 3 / 4, 2 * 3 / (2 * 3 + 2 + 1), 4, 0.4])
    np.testing.assert_allclose(per_class.loc[N], [4 / 5, 4 / 6, 2 * 4 / (2 * 4 + 1 + 2), 6, 0.6])
    # support is a count, as in sklearn's classification_report, its share beside it
    assert per_class["support"].dtype.kind == "i"
    assert re.search(r"^covid\s+0\.60\s+0\.75\s+0\.67\s+4\s+40\.0%$", str(summary),
                     flags=re.MULTILINE), str(summary)
    overall = summary.overall
    assert overall.index.tolist() == ["accuracy", "sensitivity", "specificity"]
    np.testing.assert_allclose(overall["value"], [7 / 10, 3 / 4, 4 / 6])
    assert overall[["ci_lower", "ci_upper"]].isna().all().all()
    assert summary.confusion_matrix.loc[C].tolist() == [3, 1]
    assert summary.confusion_matrix.loc[N].tolist() == [2, 4]


def test_summary_reproduces_study_tables():
    # the study's test set: 50 covid (44 found), 51 non-covid (44 found)
    y_true = [C] * 50 + [N] * 51
    y_pred = [C] * 44 + [N] * 6 + [N] * 44 + [C] * 7
    summary = classification_summary(y_true, y_pred, n_bootstraps=0)
    text = str(summary)
    assert "Table 1: per class (101 test images)" in text
    assert "Table 2: overall" in text
    lines = text.splitlines()
    covid_line = next(line for line in lines if line.startswith("covid"))
    assert covid_line.split() == ["covid", "0.86", "0.88", "0.87", "50", "49.5%"]
    non_covid_line = next(line for line in lines if line.startswith("non-covid"))
    assert non_covid_line.split() == ["non-covid", "0.88", "0.86", "0.87", "51", "50.5%"]
    assert "accuracy       0.8713" in text
    assert "sensitivity    0.8800" in text
    assert "specificity    0.8627" in text
    assert "ci_lower" not in text  # no bootstrap, no interval columns
    assert repr(summary) == text


def test_summary_with_scores_1d_and_2d_agree():
    one = classification_summary(Y_TRUE, Y_PRED, Y_SCORE, n_bootstraps=0)
    expected = roc_auc_score(np.array(Y_TRUE) == C, Y_SCORE)
    assert one.overall.loc["roc_auc", "value"] == pytest.approx(expected)
    proba = np.column_stack([1 - np.array(Y_SCORE), Y_SCORE])  # columns [non-covid, covid]
    two = classification_summary(Y_TRUE, Y_PRED, proba, classes=[N, C], n_bootstraps=0)
    pd.testing.assert_frame_equal(one.overall, two.overall)
    with pytest.raises(ValueError, match="classes=estimator.classes_"):
        classification_summary(Y_TRUE, Y_PRED, proba)
    with pytest.raises(ValueError, match="shape"):
        classification_summary(Y_TRUE, Y_PRED, np.ones((10, 3)), classes=[C, N])
    with pytest.raises(ValueError, match="classes must"):
        classification_summary(Y_TRUE, Y_PRED, proba, classes=[N, "other"])
    with pytest.raises(ValueError, match="inconsistent"):
        classification_summary(Y_TRUE, Y_PRED, Y_SCORE[:5])


def test_bootstrap_ci_is_seeded_and_contains_estimate():
    rng = np.random.RandomState(1)
    y_true = np.where(rng.rand(200) < 0.5, C, N)
    y_score = np.clip((y_true == C) * 0.3 + rng.rand(200) * 0.7, 0, 1)
    y_pred = np.where(y_score > 0.5, C, N)
    a = classification_summary(y_true, y_pred, y_score, n_bootstraps=300, random_state=3)
    b = classification_summary(y_true, y_pred, y_score, n_bootstraps=300, random_state=3)
    c = classification_summary(y_true, y_pred, y_score, n_bootstraps=300, random_state=4)
    pd.testing.assert_frame_equal(a.overall, b.overall)
    assert not a.overall["ci_lower"].equals(c.overall["ci_lower"])
    ov = a.overall
    assert ov.index.tolist() == ["accuracy", "sensitivity", "specificity", "roc_auc"]
    assert (ov["ci_lower"] <= ov["value"]).all() and (ov["value"] <= ov["ci_upper"]).all()
    assert (ov["ci_upper"] - ov["ci_lower"] > 0.02).all()  # a real interval
    assert (ov["ci_upper"] - ov["ci_lower"] < 0.3).all()
    narrower = classification_summary(y_true, y_pred, y_score, n_bootstraps=300,
                                      confidence_level=0.5, random_state=3).overall
    assert ((narrower["ci_upper"] - narrower["ci_lower"])
            < (ov["ci_upper"] - ov["ci_lower"])).all()
    assert "95% CI: percentile bootstrap, 300 resamples of 200 images" in str(a)


def test_bootstrap_weights_resample_whole_groups():
    groups = np.repeat(np.arange(5), [1, 2, 3, 4, 5])  # 15 images of 5 patients
    for w in _bootstrap_weights(15, groups, 50, 0):
        for g in range(5):
            assert len(set(w[groups == g])) == 1  # all images of a patient drawn together
        assert w[np.r_[0, 1, 3, 6, 10]].sum() == 5  # 5 patient draws
    for w in _bootstrap_weights(15, None, 50, 0):
        assert w.sum() == 15


def test_weighted_metrics_equal_sklearn_on_the_resample():
    y_true = np.array(Y_TRUE)
    y_pred = np.array(Y_PRED)
    scores = np.array(Y_SCORE)
    w = np.array([2, 0, 1, 1, 3, 0, 1, 1, 0, 1])
    idx = np.repeat(np.arange(10), w)
    got = _weighted_metrics(w, y_true == C, y_pred == C, scores)
    expected = [
        accuracy_score(y_true[idx], y_pred[idx]),
        sensitivity_score(y_true[idx], y_pred[idx]),
        specificity_score(y_true[idx], y_pred[idx]),
        roc_auc_score(y_true[idx] == C, scores[idx]),
    ]
    np.testing.assert_allclose(got, expected)
    only_neg = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    acc, sens, spec, auc = _weighted_metrics(only_neg, y_true == C, y_pred == C, scores)
    assert np.isnan(sens) and np.isnan(auc) and spec == pytest.approx(4 / 6)


def test_group_bootstrap_is_wider_with_correlated_patients():
    # 20 patients with 10 identical images each: 200 images but 20 independent units
    rng = np.random.RandomState(0)
    patient_true = np.where(np.arange(20) < 10, C, N)
    patient_pred = np.where(rng.rand(20) < 0.75, patient_true, np.where(patient_true == C, N, C))
    y_true, y_pred = np.repeat(patient_true, 10), np.repeat(patient_pred, 10)
    groups = np.repeat([f"p{i}" for i in range(20)], 10)
    by_image = classification_summary(y_true, y_pred, n_bootstraps=500).overall
    by_patient = classification_summary(y_true, y_pred, groups=groups, n_bootstraps=500)
    assert by_patient.bootstrap_unit == "patients" and by_patient.n_units == 20
    assert "500 resamples of 20 patients" in str(by_patient)
    width_img = by_image.loc["accuracy", "ci_upper"] - by_image.loc["accuracy", "ci_lower"]
    ov = by_patient.overall
    width_pat = ov.loc["accuracy", "ci_upper"] - ov.loc["accuracy", "ci_lower"]
    assert width_pat > 2 * width_img
    np.testing.assert_allclose(ov["value"], by_image["value"])  # point values unchanged


def test_summary_single_class_and_integer_labels():
    # only covid in the test set: specificity undefined, its interval NaN
    summary = classification_summary([C, C, C, C], [C, C, N, C], classes=[C, N],
                                      n_bootstraps=50, zero_division=np.nan)
    assert summary.per_class.index.tolist() == [C, N]
    assert summary.per_class.loc[N, "support"] == 0
    assert summary.per_class.loc[N, "share"] == 0.0
    assert summary.overall.loc["sensitivity", "value"] == 0.75
    assert summary.overall.loc["specificity"].isna().all()
    assert "n/a" in str(summary)
    # integer labels with pos_label=1
    d = classification_summary([1, 1, 0, 0], [1, 0, 0, 0], pos_label=1,
                               n_bootstraps=0).to_dict()
    assert d["sensitivity"] == 0.5 and d["specificity"] == 1.0
    assert d["precision_1"] == 1.0 and d["recall_0"] == 1.0 and d["support_0"] == 2
    assert d["share_0"] == 0.5
    with pytest.raises(ValueError, match="pos_label='covid'"):
        classification_summary([1, 1, 0, 0], [1, 0, 0, 0])


def test_summary_to_dict_and_to_frame():
    summary = classification_summary(Y_TRUE, Y_PRED, Y_SCORE, n_bootstraps=100)
    d = summary.to_dict()
    assert d["n_samples"] == 10
    assert d["accuracy"] == pytest.approx(0.7)
    assert d["roc_auc_ci_lower"] <= d["roc_auc"] <= d["roc_auc_ci_upper"]
    assert d["f1-score_covid"] == pytest.approx(summary.per_class.loc[C, "f1-score"])
    frame = summary.to_frame("model-a")
    assert frame.index.tolist() == ["model-a"]
    assert frame.loc["model-a"].to_dict() == pytest.approx(d)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_bootstraps": -1}, "n_bootstraps"), ({"n_bootstraps": 2.5}, "n_bootstraps"),
     ({"confidence_level": 1.0}, "confidence_level"), ({"groups": [1, 2]}, "inconsistent")],
)
def test_summary_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        classification_summary(Y_TRUE, Y_PRED, **kwargs)


# ------------------------------------------------- one implementation (issue 11, item 13)


def test_one_implementation_of_the_binary_rates_and_positive_scores():
    """Every consumer computes the rates and picks positive scores through utils._scores."""
    from skcxr.metrics import _classification, _summary
    from skcxr.model_selection import _by_source, _holdout_report, _report, _threshold
    from skcxr.plotting import _evaluation
    from skcxr.utils import _scores

    assert _classification.binary_rates is _scores.binary_rates
    assert _summary.binary_rates is _scores.binary_rates
    assert _report.binary_rates is _scores.binary_rates
    assert _summary.positive_scores is _scores.positive_scores
    assert _evaluation.positive_scores is _scores.positive_scores
    assert _by_source.estimator_positive_scores is _scores.estimator_positive_scores
    assert _threshold.estimator_positive_scores is _scores.estimator_positive_scores
    for module in (_summary, _report, _holdout_report):
        assert module.safe_roc_auc is _scores.safe_roc_auc
        assert not hasattr(module, "roc_auc_score")
    assert not hasattr(_summary, "_ratio") and not hasattr(_by_source, "_positive_score")


def test_safe_roc_auc_guards_one_class_and_missing_scores():
    from skcxr.utils._scores import safe_roc_auc

    y = np.array([True, False, True, False])
    s = np.array([0.9, 0.2, 0.4, 0.6])
    assert safe_roc_auc(y, s) == pytest.approx(roc_auc_score(y, s)) == 0.75
    assert np.isnan(safe_roc_auc(y[[0, 2]], s[[0, 2]]))  # one class only
    assert np.isnan(safe_roc_auc(y[:0], s[:0]))
    w = np.array([1, 0, 2, 3])  # the zero weight drops a negative
    assert safe_roc_auc(y, s, sample_weight=w) == pytest.approx(
        roc_auc_score(y, s, sample_weight=w))
    assert np.isnan(safe_roc_auc(y, s, sample_weight=[1, 0, 1, 0]))  # only positives drawn
    nan = np.array([np.nan] * 4)
    assert np.isnan(safe_roc_auc(y, nan, nan_scores="nan"))
    with pytest.raises(ValueError, match="NaN"):
        safe_roc_auc(y, nan)


def test_binary_rates_equal_sklearn_recall_for_weights_and_resamples():
    from skcxr.utils._scores import binary_rates

    rng = np.random.RandomState(0)
    y_true = rng.choice([C, N], 60)
    y_pred = np.where(rng.rand(60) < 0.7, y_true, rng.choice([C, N], 60))
    weights = rng.randint(0, 4, size=(5, 60))  # five resamples at once
    rates = binary_rates(y_true == C, y_pred == C, weights)
    for k, w in enumerate(weights):
        assert rates["sensitivity"][k] == pytest.approx(
            recall_score(y_true, y_pred, pos_label=C, sample_weight=w))
        assert rates["specificity"][k] == pytest.approx(
            recall_score(y_true, y_pred, pos_label=N, sample_weight=w))
        assert rates["accuracy"][k] == pytest.approx(
            accuracy_score(y_true, y_pred, sample_weight=w))
        assert sensitivity_score(y_true, y_pred, sample_weight=w) == pytest.approx(
            rates["sensitivity"][k])
    summary = classification_summary(y_true, y_pred, n_bootstraps=0)
    assert summary.overall.loc["specificity", "value"] == pytest.approx(
        recall_score(y_true, y_pred, pos_label=N))
    with pytest.raises(ValueError, match="sample_weight"):
        sensitivity_score(y_true, y_pred, sample_weight=np.ones(3))


def test_estimator_positive_scores_by_label_for_proba_and_decision_function():
    from sklearn.svm import LinearSVC

    from skcxr.utils._scores import estimator_positive_scores

    X, y = _string_data()
    for estimator in (LogisticRegression(), LinearSVC()):
        clf = estimator.fit(X, y)
        assert list(clf.classes_) == [C, N]  # covid first: the column / sign matters
        score = estimator_positive_scores(clf, X, C)
        assert roc_auc_score(y == C, score) > 0.8
        if hasattr(clf, "predict_proba"):
            np.testing.assert_allclose(score, clf.predict_proba(X)[:, 0])
        else:
            np.testing.assert_allclose(score, -clf.decision_function(X))
        np.testing.assert_allclose(estimator_positive_scores(clf, X, N),
                                   clf.predict_proba(X)[:, 1] if hasattr(clf, "predict_proba")
                                   else clf.decision_function(X))
