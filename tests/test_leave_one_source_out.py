"""leave_one_source_out: no held-out row is ever trained on or used for a threshold."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from skcxr.model_selection import (
    TARGET_SENSITIVITY,
    HoldoutEvaluation,
    leave_one_source_out,
    source_balanced_weights,
    threshold_for_sensitivity,
)

LOG = []


class SpyClassifier(ClassifierMixin, BaseEstimator):
    """Scores each path by the number after its last '=' (no learning); logs every call."""

    def __init__(self, shift=0.0):
        self.shift = shift

    def fit(self, X, y, sample_weight=None):
        LOG.append(("fit", frozenset(X), None if sample_weight is None else len(sample_weight)))
        self.classes_ = np.array(sorted(set(y)))
        return self

    def _score(self, X):
        return np.array([float(str(p).rsplit("=", 1)[1]) for p in X]) + self.shift

    def predict_proba(self, X):
        LOG.append(("predict", frozenset(X), None))
        p = np.clip(self._score(X), 0, 1)
        return np.c_[p, 1 - p]  # classes_ = ["covid", "non-covid"]

    def predict(self, X):
        return np.where(self._score(X) >= 0.5, "covid", "non-covid")


def make_table(seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for source, n_pos, n_neg in [("site-a", 20, 10), ("site-b", 16, 8),
                                 ("healthy-1", 0, 20), ("healthy-2", 0, 15)]:
        for i in range(n_pos + n_neg):
            label = "covid" if i < n_pos else "non-covid"
            score = rng.uniform(0.4, 1.0) if label == "covid" else rng.uniform(0.0, 0.6)
            rows.append({"path": f"{source}/{i}={score:.4f}", "label": label,
                         "patientid": f"{source}:{i // 2}", "source": source})
    return pd.DataFrame(rows)


def test_never_trains_or_thresholds_on_the_held_out_source():
    table = make_table()
    LOG.clear()
    result = leave_one_source_out(SpyClassifier(), table, inner_cv=3)
    source_of = dict(zip(table["path"], table["source"]))
    held = result.to_frame().query("evaluation == 'held-out'")
    assert sorted(held["source"]) == sorted(table["source"].unique())
    # calls come fold by fold: inner fits / predicts, final fit, final predict
    seen_fits, inner_predicts, checked = [], [], 0
    for kind, paths, _ in LOG:
        sources = {source_of[p] for p in paths}
        if kind == "fit":
            seen_fits.append(sources)
            continue
        if len(seen_fits) == 4:  # the final predict after 3 inner fits + 1 final fit
            (held_source,) = sources
            assert all(held_source not in fit for fit in seen_fits)
            assert all(held_source not in pred for pred in inner_predicts)
            # the final model is fitted on every other source
            assert seen_fits[-1] == set(table["source"]) - {held_source}
            seen_fits, inner_predicts, checked = [], [], checked + 1
        else:
            inner_predicts.append(sources)
    assert checked == 4


def test_thresholds_ignore_the_held_out_rows():
    table = make_table()
    base = leave_one_source_out(SpyClassifier(), table, inner_cv=3)
    # change every score of the held-out images (a copy of the table used for testing only)
    shifted = table.copy()
    shifted["path"] = [p.rsplit("=", 1)[0] + "=" + f"{1 - float(p.rsplit('=', 1)[1]):.4f}"
                       for p in table["path"]]
    other = leave_one_source_out(SpyClassifier(), table, eval_table=shifted, inner_cv=3)
    a = base.to_frame().query("evaluation == 'held-out'").set_index("source")
    b = other.to_frame().query("evaluation == 'held-out'").set_index("source")
    np.testing.assert_allclose(a["threshold"], b["threshold"])
    assert not np.allclose(a["sensitivity"].fillna(-1), b["sensitivity"].fillna(-1))
    # and the threshold is the one computed from the training rows' inner out-of-fold scores
    scores = table["path"].str.rsplit("=", n=1).str[1].astype(float)
    for source, row in a.iterrows():
        train = table["source"] != source
        # one target everywhere: the recipes' (issue 20: LOSO's default was 0.9)
        expected = threshold_for_sensitivity(table.loc[train, "label"], scores[train],
                                             target=TARGET_SENSITIVITY)
        assert row["threshold"] == pytest.approx(expected)


def test_held_out_metrics_match_the_threshold():
    table = make_table()
    result = leave_one_source_out(SpyClassifier(), table, inner_cv=3, target_sensitivity=0.8)
    p = result.predictions
    for source, part in p.groupby("source"):
        pred = np.where(part["y_score"] >= part["threshold"], "covid", "non-covid")
        np.testing.assert_array_equal(pred, part["y_pred"])
        neg = part["y_true"] == "non-covid"
        row = result.to_frame().query("evaluation == 'held-out' and source == @source").iloc[0]
        assert row["specificity"] == pytest.approx((pred[neg.to_numpy()] == "non-covid").mean())
    internal = result.to_frame().query("evaluation == 'internal'")
    assert (internal["sensitivity"] >= 0.8).all()
    text = str(result)
    assert "INTERNAL" in text and "HELD-OUT" in text


def test_groups_eval_table_and_shared_fits():
    table = make_table()
    train = table[table["source"].isin(["site-a", "site-b", "healthy-1"])]
    LOG.clear()
    result = leave_one_source_out(
        SpyClassifier(), train, eval_table=table, threshold="predict",
        holdout={"pair": ["site-b", "healthy-1"], "healthy-2": "healthy-2"})
    fits = [entry for entry in LOG if entry[0] == "fit"]
    assert len(fits) == 2  # one fit per distinct training set, none for the threshold
    held = result.held_out()
    assert held.set_index("source").loc["healthy-2", "n"] == 15  # tested from eval_table
    assert set(held["metric"]) == {"roc_auc", "specificity"}
    pairs = result.pairwise_auc()
    assert set(pairs["negative_source"]) == {"site-b", "healthy-1", "healthy-2"}
    assert set(pairs["positive_source"]) == {"site-b"}
    assert result.to_frame()["threshold"].isna().all()


def test_pairwise_auc_and_summary_numbers():
    predictions = pd.DataFrame({
        "source": ["a", "a", "a", "b", "b"],
        "y_true": ["covid", "covid", "non-covid", "non-covid", "non-covid"],
        "y_score": [0.9, 0.4, 0.5, 0.3, 0.6]})
    result = HoldoutEvaluation(pd.DataFrame(), predictions, pos_label="covid",
                               neg_label="non-covid")
    pairs = result.pairwise_auc().set_index("negative_source")["roc_auc"]
    assert pairs["a"] == pytest.approx(0.5)
    assert pairs["b"] == pytest.approx(0.75)


def test_fit_params_callable_and_source_balanced_weights():
    table = make_table()
    LOG.clear()
    leave_one_source_out(SpyClassifier(), table, holdout=["healthy-1"], threshold=0.5,
                         fit_params=lambda t: {"sample_weight": source_balanced_weights(t)})
    assert LOG[0][0] == "fit" and LOG[0][2] == int((table["source"] != "healthy-1").sum())
    w = source_balanced_weights(table)
    assert w.mean() == pytest.approx(1.0)
    totals = pd.Series(w).groupby([table["source"], table["label"]]).sum()
    assert totals["site-a", "covid"] == pytest.approx(totals["site-b", "covid"])
    assert totals["healthy-1", "non-covid"] == pytest.approx(totals["site-a", "non-covid"])
    assert totals.xs("covid", level=1).sum() == pytest.approx(len(table) / 2)


def test_errors():
    table = make_table()
    with pytest.raises(ValueError, match="unknown or empty source"):
        leave_one_source_out(SpyClassifier(), table, holdout=["nowhere"])
    clash = table.copy()
    clash.loc[clash.index[-1], "patientid"] = clash.loc[0, "patientid"]
    with pytest.raises(ValueError, match="patient id"):
        leave_one_source_out(SpyClassifier(), clash, holdout=["healthy-2"], threshold=0.5)
    with pytest.raises(ValueError, match="one class only"):
        leave_one_source_out(SpyClassifier(), table[table["source"] != "site-b"],
                             holdout=["site-a"], threshold=0.5)
    with pytest.raises(ValueError, match="threshold must be"):
        leave_one_source_out(SpyClassifier(), table, threshold="best")
    with pytest.raises(ValueError, match="target sensitivity"):
        threshold_for_sensitivity(["covid"], [0.5], target=0)
