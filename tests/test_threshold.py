"""The decision threshold travels with the model (SensitivityThresholdClassifierCV)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, cross_validate

from skcxr.applicability import ApplicabilityWarning
from skcxr.model_selection import (
    TARGET_SENSITIVITY,
    SensitivityThresholdClassifierCV,
    UngroupedThresholdWarning,
    threshold_for_sensitivity,
)


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 2 == 0, "covid", "non-covid")
    X = rng.normal(size=(n, 3))
    X[y == "covid", 0] += 1.2
    groups = np.arange(n) // 3  # three rows per patient
    return X, y, groups


def test_threshold_is_the_pooled_out_of_fold_rule_and_predict_applies_it():
    X, y, groups = _data()
    model = SensitivityThresholdClassifierCV(LogisticRegression(), cv=4, random_state=3)
    model.fit(X, y, groups=groups)
    # the same out-of-fold scores computed by hand
    oof = np.full(len(y), np.nan)
    for train, test in StratifiedGroupKFold(4, shuffle=True, random_state=3).split(X, y, groups):
        fitted = LogisticRegression().fit(X[train], y[train])
        oof[test] = fitted.predict_proba(X[test])[:, 0]  # classes_ = ["covid", "non-covid"]
    np.testing.assert_allclose(model.oof_scores_, oof)
    assert model.best_threshold_ == threshold_for_sensitivity(y, oof, target=TARGET_SENSITIVITY)
    assert model.best_threshold_ != 0.5
    assert model.best_score_ == pytest.approx(np.mean(oof[y == "non-covid"] < model.best_threshold_))
    score = model.predict_proba(X)[:, 0]
    expected = np.where(score >= model.best_threshold_, "covid", "non-covid")
    np.testing.assert_array_equal(model.predict(X), expected)
    # and it is not what the inner estimator's own predict (0.5) gives
    assert (model.predict(X) != model.estimator_.predict(X)).any()
    assert list(model.classes_) == ["covid", "non-covid"]


def test_threshold_survives_clone_pickle_and_skops():
    skops_io = pytest.importorskip("skops.io")
    X, y, groups = _data()
    model = SensitivityThresholdClassifierCV(LogisticRegression(), target_sensitivity=0.8, cv=3)
    model.fit(X, y, groups=groups)
    again = clone(model).fit(X, y, groups=groups)
    assert again.best_threshold_ == model.best_threshold_
    assert clone(model).get_params()["target_sensitivity"] == 0.8
    for restored in (pickle.loads(pickle.dumps(model)),
                     skops_io.loads(skops_io.dumps(model),
                                    trusted=skops_io.get_untrusted_types(
                                        data=skops_io.dumps(model)))):
        assert restored.best_threshold_ == model.best_threshold_
        np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_groups_come_from_a_table_column_or_a_warning_says_they_did_not():
    X, y, groups = _data()
    table = pd.DataFrame(X, columns=["a", "b", "c"]).assign(patientid=groups)
    head = LogisticRegression()
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(make_column_transformer(("passthrough", ["a", "b", "c"])), head)
    from_column = SensitivityThresholdClassifierCV(pipe, cv=4).fit(table, y)
    passed = SensitivityThresholdClassifierCV(pipe, cv=4).fit(table, y, groups=groups)
    np.testing.assert_allclose(from_column.oof_scores_, passed.oof_scores_)
    with pytest.warns(UngroupedThresholdWarning, match="not grouped by patient"):
        SensitivityThresholdClassifierCV(head, cv=4).fit(X, y)


def test_groups_are_routed_with_metadata_routing():
    X, y, groups = _data()
    with sklearn.config_context(enable_metadata_routing=True):
        model = SensitivityThresholdClassifierCV(LogisticRegression(), cv=4)
        routed = model.fit(X, y, groups=groups)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UngroupedThresholdWarning)
            # one "groups" reaches the outer splitter and, routed, the inner one
            result = cross_validate(model, X, y, cv=StratifiedGroupKFold(3),
                                    params={"groups": groups}, return_estimator=True)
    plain = SensitivityThresholdClassifierCV(LogisticRegression(), cv=4).fit(X, y, groups=groups)
    assert routed.best_threshold_ == plain.best_threshold_
    assert all(0 < m.best_threshold_ < 1 for m in result["estimator"])


def test_bad_labels_and_targets_are_named():
    X, y, groups = _data()
    with pytest.raises(ValueError, match="pos_label 'covid' is not among the labels"):
        SensitivityThresholdClassifierCV(LogisticRegression()).fit(
            X, np.where(y == "covid", "a", "b"), groups=groups)
    with pytest.raises(ValueError, match="'target_sensitivity' parameter"):
        SensitivityThresholdClassifierCV(LogisticRegression(), target_sensitivity=1.5).fit(
            X, y, groups=groups)


class _Gate(BaseEstimator):
    """A gate that refuses every path containing 'bad'."""

    def fit(self, X, y=None):
        self.n_seen_ = len(X)
        return self

    def check(self, X):
        paths = [str(p) for p in X]
        ok = np.array(["bad" not in p for p in paths])
        return pd.DataFrame({"path": paths, "chest_xray": ok, "familiar": True,
                             "reason": np.where(ok, "", "not a chest X-ray")})


class _PathScorer(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.array(sorted(set(y)))
        return self

    def predict_proba(self, X):
        p = np.array([float(str(x).rsplit("=", 1)[1]) for x in X])
        return np.c_[p, 1 - p]


def test_the_gate_is_fitted_on_the_training_paths_and_warns_naming_files():
    paths = np.array([f"img{i}={0.9 if i % 2 else 0.1}" for i in range(40)])
    y = np.where(np.arange(40) % 2, "covid", "non-covid")
    model = SensitivityThresholdClassifierCV(_PathScorer(), cv=2, gate=_Gate())
    model.fit(paths, y, groups=np.arange(40))
    assert model.gate_.n_seen_ == 40 and model.gate.__dict__.get("n_seen_") is None
    new = [f"bad{i}=0.95" for i in range(7)] + ["fine=0.2"]
    with pytest.warns(ApplicabilityWarning, match=r"7 of 8 image\(s\) failed") as record:
        labels = model.predict(new)
    assert len(record) == 1
    assert "bad0=0.95" in str(record[0].message) and "and 2 more" in str(record[0].message)
    assert record[0].filename == __file__  # points at the caller's line
    assert list(labels) == ["covid"] * 7 + ["non-covid"]
    with pytest.warns(ApplicabilityWarning):
        proba = model.predict_proba(new)
    assert proba.shape == (8, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ApplicabilityWarning)
        model.predict(["fine=0.3"])


def test_evaluate_by_source_and_leave_one_source_out_group_the_inner_folds():
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline

    from skcxr.model_selection import evaluate_by_source, leave_one_source_out

    X, y, groups = _data(n=160)
    table = pd.DataFrame(X, columns=["a", "b", "c"]).assign(
        label=y, patientid=[f"p{g}" for g in groups],
        source=np.where(groups % 2 == 0, "site-1", "site-2"))
    pipe = make_pipeline(make_column_transformer(("passthrough", ["a", "b", "c"])),
                         LogisticRegression())
    model = SensitivityThresholdClassifierCV(pipe, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UngroupedThresholdWarning)
        evaluate_by_source(model, table, path_column=None, cv=3, cross_source=False)
        result = leave_one_source_out(model, table, path_column=None)
    held = result.to_frame().query("evaluation == 'held-out'")
    internal = result.to_frame().query("evaluation == 'internal'")
    # the held-out rows are labelled at the threshold the fitted model carries, and the
    # internal rows are its out-of-fold scores at that threshold (sensitivity >= target)
    assert (held["threshold"].to_numpy() == internal["threshold"].to_numpy()).all()
    assert (internal["sensitivity"] >= TARGET_SENSITIVITY).all()
