"""scikit-learn's estimator checks that apply to an image classifier, and image
versions of those that need 2-D data (sklearn skips them when two_d_array is False)."""

import warnings

import joblib
import numpy as np
import pytest

pytest.importorskip("keras")

import sklearn.utils.estimator_checks as checks  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

from skcxr import CXRClassifier  # noqa: E402

API_CHECKS = [
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_valid_tag_types",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimators_unfitted",
    "check_estimator_sparse_tag",
]
# Failures that come from scikeras 0.13 itself, kept strict so that a fixed
# scikeras shows up here.
UPSTREAM = {
    "check_mixin_order": "KerasClassifier(BaseWrapper, ClassifierMixin): fixed through __sklearn_tags__",
    "check_estimator_tags_renamed": "scikeras' BaseWrapper defines _more_tags only",
    "check_do_not_raise_errors_in_init_or_set_params": "**kwargs carries scikeras routed params",
}


def estimator():
    return CXRClassifier("small_cnn", epochs=1, batch_size=8, random_state=0)


def images(n=16, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 0.5, size=(n, 32, 32, 1)).astype("float32")
    y = np.array(["covid", "non-covid"] * (n // 2))
    X[y == "covid", 8:24, 8:24] += 0.5
    return X, y


@pytest.mark.parametrize("name", API_CHECKS + sorted(UPSTREAM))
def test_sklearn_api_check(name, request):
    if name in UPSTREAM:
        request.applymarker(pytest.mark.xfail(reason=UPSTREAM[name], strict=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        getattr(checks, name)("CXRClassifier", estimator())


def test_check_estimator_skips_2d_checks_honestly():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = check_estimator(estimator(), on_fail=None)
    assert all(r["status"] == "passed" for r in results)
    assert any("Can't test estimator CXRClassifier" in str(w.message) for w in caught)


def test_fit_does_not_change_params_and_predict_does_not_change_state():
    X, y = images()
    clf = estimator()
    params = joblib.hash(clf.get_params())
    clf.fit(X, y)
    assert joblib.hash(clf.get_params()) == params
    state = {k: v for k, v in vars(clf).items() if k != "model_"}
    before = joblib.hash(state)
    clf.predict(X), clf.predict_proba(X), clf.score(X, y)
    assert joblib.hash({k: v for k, v in vars(clf).items() if k != "model_"}) == before


def test_negative_images_rejected_as_positive_only_tag_says():
    X, y = images()
    assert estimator().__sklearn_tags__().input_tags.positive_only
    with pytest.raises(ValueError, match=r"float images in \[0, 1\].*-0.5"):
        estimator().fit(X - 0.5, y)


def test_fit_idempotent_and_refit_resets():
    X, y = images()
    clf = estimator()
    first = clf.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(clf.fit(X, y).predict_proba(X), first)
    assert len(clf.history_["loss"]) == 1  # history starts again on refit
    X2, y2 = images(seed=1)
    assert clone(clf).fit(X2, y2).predict_proba(X).shape == first.shape


@pytest.mark.parametrize(
    "labels",
    [np.array([0, 1]), np.array([-1, 1]), np.array(["b", "a"]), np.array(["x", "y", "z"])],
)
def test_classes_any_label_type(labels):
    X, _ = images(n=18)
    y = np.resize(labels, len(X))
    clf = estimator().fit(X, y)
    np.testing.assert_array_equal(clf.classes_, np.unique(labels))
    assert clf.predict_proba(X).shape == (len(X), len(labels))
    assert set(clf.predict(X)) <= set(labels)
    assert clf.predict(X).dtype == y.dtype
