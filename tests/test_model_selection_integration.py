"""The classifier inside Pipelines, grid search and cross-validation (synthetic X-rays)."""

import os
import time

import joblib
import numpy as np
import pytest

pytest.importorskip("keras")

from sklearn.base import is_classifier  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    StratifiedGroupKFold,
    StratifiedKFold,
    check_cv,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import Pipeline  # noqa: E402

from skcxr import CXRClassifier, XRayLoader, make_default_pipeline  # noqa: E402
from skcxr.pipeline import DEFAULT_PARAMS  # noqa: E402
from skcxr.preprocessing import XRayNormalizer  # noqa: E402


def tiny_pipeline(**classifier_params):
    params = dict(architecture="small_cnn", epochs=2, batch_size=16, learning_rate=1e-2, random_state=0)
    params.update(classifier_params)
    return Pipeline(
        [
            ("loader", XRayLoader(size=(32, 32))),
            ("normalizer", XRayNormalizer(method="hist")),
            ("classifier", CXRClassifier(**params)),
        ]
    )


@pytest.fixture(scope="module")
def images(synthetic_table):
    """The synthetic table loaded once at 32 px (for estimators without a loader)."""
    return XRayLoader(size=(32, 32)).transform(synthetic_table["path"])


def test_default_pipeline_steps_defaults_and_overrides():
    pipe = make_default_pipeline()
    assert list(pipe.named_steps) == ["loader", "normalizer", "classifier"]
    params = pipe.get_params()
    for step, defaults in DEFAULT_PARAMS.items():
        for name, value in defaults.items():
            assert params[f"{step}__{name}"] == value
    assert params["loader__color_mode"] == "grayscale" and params["classifier__augmentation"]
    assert is_classifier(pipe)
    pipe = make_default_pipeline(classifier__epochs=3, loader__size=(64, 64))
    assert pipe.get_params()["classifier__epochs"] == 3
    assert pipe.get_params()["loader__size"] == (64, 64)
    assert make_default_pipeline().get_params()["classifier__epochs"] == DEFAULT_PARAMS["classifier"]["epochs"]
    with pytest.raises(ValueError, match="epoch"):
        make_default_pipeline(classifier__epoch=3)


def test_default_pipeline_fits_on_paths(synthetic_table):
    table = synthetic_table.iloc[:48]
    pipe = make_default_pipeline(
        loader__size=(32, 32), classifier__epochs=2, classifier__fc_units=16, classifier__random_state=0
    )
    pipe.fit(table, table["label"])  # a table works: the loader reads its path column
    proba = pipe.predict_proba(table["path"])
    assert proba.shape == (48, 2)
    assert list(pipe.classes_) == ["covid", "non-covid"]
    assert len(pipe[-1].history_["loss"]) == 2  # 2 epochs, every one recorded


def test_pickled_pipeline_predicts_identically(synthetic_table, tmp_path):
    paths, y = synthetic_table["path"], synthetic_table["label"]
    pipe = Pipeline([("loader", XRayLoader(size=(32, 32))), ("classifier", CXRClassifier(
        "small_cnn", epochs=1, batch_size=16, random_state=0))]).fit(paths, y)
    expected = pipe.predict_proba(paths)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "pipe.joblib").predict_proba(paths), expected)


def test_cv_is_stratified_and_roc_auc_is_finite(images, synthetic_table):
    y = synthetic_table["label"].to_numpy()
    pipe = tiny_pipeline()
    assert is_classifier(pipe) and is_classifier(pipe[-1])
    assert isinstance(check_cv(5, y, classifier=is_classifier(pipe)), StratifiedKFold)
    scores = cross_val_score(pipe[-1], images, y, cv=3, scoring="roc_auc", error_score="raise")
    assert np.all(np.isfinite(scores)) and np.all((scores >= 0) & (scores <= 1))


def test_grid_search_over_epochs_batch_size_and_fc_units(synthetic_table):
    table = synthetic_table.iloc[::2]  # 60 images: 17 fits stay quick
    paths, y = table["path"], table["label"]
    grid = {
        "classifier__epochs": [1, 2],
        "classifier__batch_size": [16, 32],
        "classifier__fc_units": [8, (16, 8)],
    }
    search = GridSearchCV(tiny_pipeline(), grid, cv=2, scoring="roc_auc", error_score="raise")
    search.fit(paths, y)
    assert len(search.cv_results_["params"]) == 8
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best = search.best_estimator_[-1]
    assert {k: getattr(best, k.split("__")[1]) for k in grid} == search.best_params_
    fc = search.best_params_["classifier__fc_units"]
    assert best.model_.get_layer("fc1").units == (fc if isinstance(fc, int) else fc[0])
    assert search.predict_proba(paths[:5]).shape == (5, 2)


def test_grouped_cross_validation_keeps_patients_apart(synthetic_table):
    paths, y = synthetic_table["path"], synthetic_table["label"]
    groups = synthetic_table["patientid"]
    assert groups.duplicated().any()  # some patients have two images
    cv = StratifiedGroupKFold(n_splits=3)
    scores = cross_val_score(
        tiny_pipeline(), paths, y, groups=groups, cv=cv, scoring="roc_auc", error_score="raise"
    )
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    # The folds actually used: no patient on both sides, every image tested once.
    result = cross_validate(
        tiny_pipeline(epochs=1), paths, y, groups=groups, cv=cv, return_indices=True,
        error_score="raise",
    )
    tested = np.concatenate(result["indices"]["test"])
    assert sorted(tested) == list(range(len(paths)))
    for train, test in zip(result["indices"]["train"], result["indices"]["test"]):
        assert not set(groups.iloc[train]) & set(groups.iloc[test])
        assert set(y.iloc[test]) == {"covid", "non-covid"}  # stratified


def _worker_tf_threads(estimator, X, y):
    import tensorflow as tf

    return float(tf.config.threading.get_intra_op_parallelism_threads())


def test_parallel_grid_search_with_loky_caps_threads(images, synthetic_table):
    y = synthetic_table["label"].to_numpy()
    clf = CXRClassifier("small_cnn", epochs=1, batch_size=16, random_state=0)
    scoring = {"accuracy": "accuracy", "threads": _worker_tf_threads}
    start = time.perf_counter()
    search = GridSearchCV(
        clf, {"fc_units": [8, 16]}, cv=2, scoring=scoring, refit="accuracy",
        n_jobs=2, error_score="raise",
    ).fit(images, y)
    elapsed = time.perf_counter() - start
    serial = GridSearchCV(clf, {"fc_units": [8, 16]}, cv=2, error_score="raise").fit(images, y)
    np.testing.assert_allclose(  # same seeds, same results in workers and here
        search.cv_results_["mean_test_accuracy"], serial.cv_results_["mean_test_score"]
    )
    # loky sets OMP_NUM_THREADS = cpu_count // n_jobs in workers unless already set.
    expected = int(
        os.environ.get("SKCXR_NUM_THREADS")
        or os.environ.get("OMP_NUM_THREADS")
        or max(joblib.cpu_count() // 2, 1)
    )
    assert set(search.cv_results_["mean_test_threads"]) == {expected}
    assert elapsed < 120
