"""Image versions of scikit-learn's data-driven checks for the classifier.

scikit-learn's own checks run in ``test_common.py`` (with the project's one
list of expected failures); those that feed 2-D matrices are re-tested here
with images."""

import joblib
import numpy as np
import pytest

pytest.importorskip("keras")

from sklearn.base import clone  # noqa: E402

from skcxr import CXRClassifier  # noqa: E402


def estimator():
    return CXRClassifier("small_cnn", epochs=1, batch_size=8, random_state=0)


def images(n=16, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 0.5, size=(n, 32, 32, 1)).astype("float32")
    y = np.array(["covid", "non-covid"] * (n // 2))
    X[y == "covid", 8:24, 8:24] += 0.5
    return X, y


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
