"""Tests for skcxr.model_selection.evaluate_by_source and SourceEvaluation.

Most tests use cheap scikit-learn estimators on small hand-made tables (a
numeric column stands in for the image); one integration test runs skcxr's
real pipeline on synthetic images.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, recall_score, roc_auc_score
from sklearn.model_selection import GroupKFold, GroupShuffleSplit, KFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from skcxr.model_selection import SourceEvaluation, evaluate_by_source

POS, NEG = "covid", "non-covid"
MIXED, KERMANY, ADULT = "covid-chestxray", "chest-xray-pneumonia", "adult-normal"


def make_table(random_state=0, n_patients=(12, 8, 8), images_per_patient=2):
    """Three sources: one mixed (2/3 covid), two healthy-only.

    Column ``x`` is the stand-in image: covid ~ N(1, 1), non-covid ~ N(-1, 1).
    """
    rng = np.random.default_rng(random_state)
    rows = []
    for source, n in zip((MIXED, KERMANY, ADULT), n_patients):
        for p in range(n):
            label = POS if source == MIXED and p % 3 else NEG
            for i in range(images_per_patient):
                centre = 1.0 if label == POS else -1.0
                rows.append({
                    "path": f"/fake/{source}/{p}-{i}.png",
                    "label": label,
                    "patientid": f"{source}:{p}",
                    "source": source,
                    "x": centre + rng.normal(),
                })
    return pd.DataFrame(rows)


def linear_model():
    """x column (a Series) -> 2-D features -> logistic regression."""
    to_2d = FunctionTransformer(lambda s: np.asarray(s, dtype=float).reshape(-1, 1))
    return make_pipeline(to_2d, LogisticRegression())


class SpyClassifier(ClassifierMixin, BaseEstimator):
    """Records the sources and patients of every fit (X is the table)."""

    fits = []

    def fit(self, X, y, sample_weight=None):
        assert "label" not in X.columns  # the label never reaches the estimator as a feature
        SpyClassifier.fits.append({
            "sources": set(X["source"]), "patients": set(X["patientid"]), "n": len(X),
            "paths": list(X["path"]), "sample_weight": sample_weight,
        })
        self.classes_ = np.unique(y)
        self.majority_ = pd.Series(y).mode()[0]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_, dtype=object)

    def predict_proba(self, X):
        proba = np.zeros((len(X), 2))
        proba[:, list(self.classes_).index(self.majority_)] = 1.0
        return proba


@pytest.fixture
def spy():
    SpyClassifier.fits = []
    yield SpyClassifier
    SpyClassifier.fits = []


def test_breakdown_matches_hand_computed_scores():
    table = make_table()
    result = evaluate_by_source(linear_model(), table, cv=4, path_column="x")
    scores = result.to_frame().set_index(["evaluation", "source"])
    preds = result.predictions

    assert list(scores.loc["internal"].index) == ["all", ADULT, KERMANY, MIXED]
    assert list(scores.loc["cross-source"].index) == [ADULT, KERMANY]
    internal = preds[preds["evaluation"] == "internal"]
    assert sorted(internal["index"]) == list(table.index)  # every row predicted once
    assert internal["y_true"].tolist() == table.loc[internal["index"], "label"].tolist()

    all_ = scores.loc[("internal", "all")]
    assert all_["n"] == len(table) and all_["n_positive"] == (table.label == POS).sum()
    assert all_["accuracy"] == pytest.approx(accuracy_score(internal.y_true, internal.y_pred))
    assert all_["sensitivity"] == pytest.approx(
        recall_score(internal.y_true, internal.y_pred, pos_label=POS))
    assert all_["specificity"] == pytest.approx(
        recall_score(internal.y_true, internal.y_pred, pos_label=NEG))
    assert all_["roc_auc"] == pytest.approx(roc_auc_score(internal.y_true == POS, internal.y_score))
    assert 0.7 < all_["roc_auc"] <= 1.0  # the feature is informative

    mixed = internal[internal.source == MIXED]
    row = scores.loc[("internal", MIXED)]
    assert row["n"] == len(mixed) == (table.source == MIXED).sum()
    assert row["sensitivity"] == pytest.approx(recall_score(mixed.y_true, mixed.y_pred, pos_label=POS))
    assert row["specificity"] == pytest.approx(recall_score(mixed.y_true, mixed.y_pred, pos_label=NEG))
    assert row["roc_auc"] == pytest.approx(roc_auc_score(mixed.y_true == POS, mixed.y_score))

    for evaluation in ("internal", "cross-source"):
        part = preds[(preds.evaluation == evaluation) & (preds.source == ADULT)]
        assert scores.loc[(evaluation, ADULT), "specificity"] == pytest.approx(
            np.mean(part.y_pred == NEG))
        assert scores.loc[(evaluation, ADULT), "n"] == (table.source == ADULT).sum()


def test_single_class_sources_report_only_the_meaningful_metric():
    table = make_table()
    # split the mixed source: its covid patients into two covid-only sources
    patient = table.patientid.str.split(":").str[1].astype(int)
    covid = table.label == POS
    table.loc[covid & (patient % 3 == 1), "source"] = "covid-a"
    table.loc[covid & (patient % 3 == 2), "source"] = "covid-b"
    result = evaluate_by_source(linear_model(), table, cv=3, path_column="x",
                                cross_source=[ADULT, "covid-a"])
    scores = result.to_frame().set_index(["evaluation", "source"])
    for evaluation in ("internal", "cross-source"):
        healthy = scores.loc[(evaluation, ADULT)]
        assert np.isfinite(healthy["specificity"])
        assert healthy[["accuracy", "sensitivity", "roc_auc"]].isna().all()
        covid = scores.loc[(evaluation, "covid-a")]
        assert np.isfinite(covid["sensitivity"])
        assert covid[["accuracy", "specificity", "roc_auc"]].isna().all()
    assert scores.loc[("internal", "all")][["accuracy", "sensitivity", "specificity",
                                             "roc_auc"]].notna().all()


def test_cross_source_never_trains_on_its_test_source(spy):
    table = make_table()
    result = evaluate_by_source(spy(), table, cv=3, path_column=None,
                                cross_source=[KERMANY, ADULT])
    internal_fits, cross_fits = spy.fits[:3], spy.fits[3:]
    assert [f["sources"] for f in cross_fits] == [{MIXED, ADULT}, {MIXED, KERMANY}]
    for fit, held_out in zip(cross_fits, (KERMANY, ADULT)):
        assert held_out not in fit["sources"]
        assert fit["n"] == (table.source != held_out).sum()
        held_patients = set(table.loc[table.source == held_out, "patientid"])
        assert not fit["patients"] & held_patients
    assert all(f["sources"] == {MIXED, KERMANY, ADULT} for f in internal_fits)
    cross = result.predictions[result.predictions.evaluation == "cross-source"]
    assert set(cross.source) == {KERMANY, ADULT}


def test_default_cross_sources_are_the_sources_without_positives(spy):
    result = evaluate_by_source(spy(), make_table(), cv=2, path_column=None)
    cross = result.to_frame().query("evaluation == 'cross-source'")
    assert cross.source.tolist() == [ADULT, KERMANY]
    assert len(spy.fits) == 2 + 2
    none = evaluate_by_source(spy(), make_table(), cv=2, path_column=None, cross_source=False)
    assert set(none.to_frame().evaluation) == {"internal"}


def test_patient_groups_never_straddle_folds(spy):
    table = make_table(images_per_patient=3)
    result = evaluate_by_source(spy(), table, cv=5, path_column=None, cross_source=False)
    internal = result.predictions
    assert internal.groupby("group")["fold"].nunique().max() == 1
    for k, fit in enumerate(spy.fits):
        tested = set(internal.loc[internal.fold == k, "group"])
        assert tested and not fit["patients"] & tested


@pytest.mark.filterwarnings("ignore:The groups parameter is ignored")
def test_splitter_that_splits_a_patient_is_rejected():
    table = make_table()
    with pytest.raises(ValueError, match=r"patient '.*' .*both train and test of fold"):
        evaluate_by_source(linear_model(), table, cv=KFold(3, shuffle=True, random_state=0), path_column="x")
    # a group-aware splitter object is accepted and used as given
    result = evaluate_by_source(linear_model(), table, cv=GroupKFold(4), path_column="x",
                                cross_source=False)
    assert result.predictions["fold"].nunique() == 4
    assert "GroupKFold" in str(result)


def test_report_labels_internal_and_cross_source():
    result = evaluate_by_source(linear_model(), make_table(), cv=3, path_column="x")
    assert set(result.to_frame().evaluation) == {"internal", "cross-source"}
    text = str(result)
    internal_part, cross_part = text.split("CROSS-SOURCE")
    assert "INTERNAL: patient-grouped cross-validation" in internal_part
    assert "StratifiedGroupKFold, 3 folds" in internal_part
    assert "never saw" in cross_part
    assert "all" in internal_part.split()  # overall row only in the internal table
    assert "all" not in cross_part.split()
    assert "nan" not in text.lower()  # undefined metrics are blank, not 'nan'
    assert repr(result).startswith("SourceEvaluation(")
    assert isinstance(result, SourceEvaluation)


def test_shortcut_warning_when_specificity_collapses_out_of_source():
    # adult-normal sits far from everything else (a source cue): 1-NN gets it
    # right when it has seen the source, and calls it covid (the largest x) when not
    table = make_table()
    knn = make_pipeline(
        FunctionTransformer(lambda s: np.asarray(s, dtype=float).reshape(-1, 1)),
        KNeighborsClassifier(n_neighbors=1),
    )
    table.loc[table.source == ADULT, "x"] = 5.0 + 0.01 * np.arange((table.source == ADULT).sum())
    result = evaluate_by_source(knn, table, cv=3, path_column="x", cross_source=[ADULT])
    scores = result.to_frame().set_index(["evaluation", "source"])
    assert scores.loc[("internal", ADULT), "specificity"] == 1.0
    assert scores.loc[("cross-source", ADULT), "specificity"] == 0.0
    assert len(result.warnings) == 1 and ADULT in result.warnings[0]
    assert "specificity" in result.warnings[0] and result.warnings[0] in str(result)
    # no gap, no warning
    honest = evaluate_by_source(linear_model(), make_table(), cv=3, path_column="x")
    assert honest.warnings == []


def test_scores_from_decision_function_and_without_any_score():
    table = make_table()
    svc = make_pipeline(
        FunctionTransformer(lambda s: np.asarray(s, dtype=float).reshape(-1, 1)), LinearSVC())
    result = evaluate_by_source(svc, table, cv=3, path_column="x", cross_source=False)
    preds = result.predictions
    auc = result.to_frame().set_index("source").loc["all", "roc_auc"]
    assert auc == pytest.approx(roc_auc_score(preds.y_true == POS, preds.y_score)) and auc > 0.7

    class NoScore(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.unique(y)
            return self

        def predict(self, X):
            return np.full(len(X), POS, dtype=object)

    plain = evaluate_by_source(NoScore(), table, cv=3, path_column="x", cross_source=False)
    row = plain.to_frame().set_index("source").loc["all"]
    assert np.isnan(row["roc_auc"]) and row["sensitivity"] == 1.0 and row["specificity"] == 0.0


def test_same_random_state_same_folds_and_verbose_progress(capsys):
    table = make_table()
    a = evaluate_by_source(linear_model(), table, cv=3, path_column="x", random_state=1)
    assert capsys.readouterr().out == ""
    b = evaluate_by_source(linear_model(), table, cv=3, path_column="x", random_state=1,
                           verbose=1)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert a.predictions["fold"].tolist() == b.predictions["fold"].tolist()
    out = capsys.readouterr().out
    assert out.count("internal fold ") == 3 and out.count("cross-source '") == 2
    assert "3 internal fold(s) (StratifiedGroupKFold" in out


@pytest.mark.parametrize(
    "kwargs, change, match",
    [
        ({}, lambda t: t.drop(columns="patientid"), r"'patientid' \(groups\)"),
        ({"source_column": "site"}, None, r"'site' \(sources\)"),
        ({"path_column": "file"}, None, r"'file' \(X\)"),
        ({"cross_source": ["hospital-b"]}, None, r"unknown source\(s\) \['hospital-b'\]"),
        ({"cv": 40}, None, r"cv=40 needs at least 40 patients, the table has 28"),
        ({"cv": 1}, None, r"'cv' parameter of evaluate_by_source must be an int in the range "
                           r"\[2, inf\)"),
        ({"pos_label": "COVID"}, None, r"pos_label='COVID' not found"),
        ({}, lambda t: t.assign(label=t.label.where(t.index != 3, "pneumonia")),
         r"exactly two labels.*'pneumonia'"),
        ({}, lambda t: t.assign(patientid=t.patientid.where(t.index != 5)),
         r"'patientid' \(groups\) has 1 missing value\(s\), first at row 5"),
        ({"cross_source": [MIXED]}, None, r"holding out source 'covid-chestxray' leaves"),
        ({"cv": GroupShuffleSplit(3, test_size=0.2, random_state=0)}, None, r"exactly one test fold"),
    ],
)
def test_bad_input_names_the_offending_value(kwargs, change, match):
    table = make_table()
    if change is not None:
        table = change(table)
    with pytest.raises(ValueError, match=match):
        evaluate_by_source(DummyClassifier(), table, **kwargs)


def test_fit_params_reach_each_fit_indexed_by_its_training_rows(spy):
    table = make_table()
    weights = np.arange(len(table), dtype=float)
    by_path = dict(zip(table.path, weights))
    evaluate_by_source(spy(), table, cv=3, path_column=None, cross_source=[ADULT],
                       fit_params={"sample_weight": weights})
    assert len(spy.fits) == 4
    for fit in spy.fits:
        assert fit["sample_weight"].tolist() == [by_path[p] for p in fit["paths"]]
    spy.fits.clear()
    evaluate_by_source(spy(), table, cv=3, path_column=None, cross_source=False)
    assert all(fit["sample_weight"] is None for fit in spy.fits)


def test_fit_params_change_a_weighted_model():
    table = make_table()
    plain = evaluate_by_source(linear_model(), table, cv=3, path_column="x",
                               cross_source=False).predictions
    # near-zero weight on every covid row: the model predicts non-covid everywhere
    weights = np.where(table.label == POS, 1e-6, 1.0)
    weighted = evaluate_by_source(
        linear_model(), table, cv=3, path_column="x", cross_source=False,
        fit_params={"logisticregression__sample_weight": weights}).predictions
    assert (plain.y_pred == POS).sum() > 5
    assert (weighted.y_pred == POS).sum() == 0


@pytest.mark.parametrize("fit_params, error, match", [
    ({"sample_weight": np.ones(3)}, ValueError,
     r"fit_params\['sample_weight'\] must hold one value per table row \(56\), got shape \(3,\)"),
    ({"sample_weight": 1.0}, ValueError, r"got shape \(\)"),
    ([("sample_weight", 1.0)], TypeError,
     r"'fit_params' parameter of evaluate_by_source must be an instance of 'dict' or None\. "
     r"Got \[\('sample_weight', 1\.0\)\]"),
])
def test_bad_fit_params_are_rejected(fit_params, error, match):
    with pytest.raises(error, match=match):
        evaluate_by_source(DummyClassifier(), make_table(), cv=3, fit_params=fit_params)


def test_patient_shared_between_sources_is_rejected_for_cross_source():
    table = make_table()
    table.loc[table.source == ADULT, "patientid"] = "covid-chestxray:0"
    with pytest.raises(ValueError, match=r"patient 'covid-chestxray:0' appears in source"):
        evaluate_by_source(DummyClassifier(), table, cv=3, cross_source=[ADULT])


def test_table_must_be_a_dataframe():
    with pytest.raises(TypeError, match=(
            r"'table' parameter of evaluate_by_source must be an instance of 'pandas.DataFrame'")):
        evaluate_by_source(DummyClassifier(), [["a", "covid"]])


@pytest.mark.slow
def test_integration_with_the_real_pipeline_on_synthetic_images(tmp_path):
    from skcxr import make_default_pipeline
    from skcxr.datasets import make_synthetic_cxr

    table = make_synthetic_cxr(40, tmp_path, image_size=32, random_state=0)
    # two fake sources: "site-a" holds every covid patient and half the healthy
    # ones, "site-b" the other healthy patients (a healthy-only source)
    healthy = sorted(table.loc[table.label == NEG, "patientid"].unique())
    site_b = set(healthy[::2])
    table["source"] = np.where(table.patientid.isin(site_b), "site-b", "site-a")
    # skcxr's default pipeline (loader, normaliser, CNN), shrunk to run in seconds
    pipe = make_default_pipeline(loader__size=(32, 32), classifier__architecture="small_cnn",
                                 classifier__epochs=1, classifier__random_state=0)
    result = evaluate_by_source(pipe, table, cv=2)

    scores = result.to_frame().set_index(["evaluation", "source"])
    assert list(scores.index) == [("internal", "all"), ("internal", "site-a"),
                                  ("internal", "site-b"), ("cross-source", "site-b")]
    n_b = int((table.source == "site-b").sum())
    assert scores["n"].tolist() == [len(table), len(table) - n_b, n_b, n_b]
    assert len(result.predictions) == len(table) + n_b
    assert result.predictions["y_score"].between(0, 1).all()
    assert set(result.predictions["y_pred"]) <= {POS, NEG}
    assert scores.loc[("cross-source", "site-b"), ["accuracy", "sensitivity",
                                                   "roc_auc"]].isna().all()
    assert 0 <= scores.loc[("cross-source", "site-b"), "specificity"] <= 1
    assert 0 <= scores.loc[("internal", "all"), "roc_auc"] <= 1
