"""Image versions of scikit-learn's data-driven checks, for the preprocessing transformers.

XRayLoader takes a 1-D list of *file paths* and XRayNormalizer a 4-D *image
array*; both honestly declare ``input_tags.two_d_array = False``, so
scikit-learn's own checks (run for every estimator in ``test_common.py``, with
the project's one list of expected failures) feed them 2-D matrices they
refuse. The properties those checks test are re-tested here with paths and
images (plus the named tests in test_loader.py / test_normalizer.py).
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from _preprocessing_files import write_image_kinds
from skcxr.preprocessing import XRayLoader, XRayNormalizer

ESTIMATORS = [XRayLoader(size=(16, 16)), XRayNormalizer(method="hist"), XRayNormalizer()]


# ------------------------------------------------- adapted data-driven checks
@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Per estimator, valid input: paths for the loader, images for the normaliser."""
    kinds = write_image_kinds(tmp_path_factory.mktemp("checks"))
    paths = [str(p) for p in kinds.values()]
    images = XRayLoader(size=(16, 16)).transform(paths)
    return {XRayLoader: paths, XRayNormalizer: images}


def _X(estimator, data):
    return data[type(estimator)]


@pytest.fixture(params=ESTIMATORS, ids=repr)
def estimator(request):
    return clone(request.param)


def test_preprocessing_adapted_fit_returns_self(estimator, data):
    assert estimator.fit(_X(estimator, data)) is estimator


def test_preprocessing_adapted_fit_idempotent(estimator, data):
    X = _X(estimator, data)
    first = estimator.fit(X).transform(X)
    np.testing.assert_array_equal(estimator.fit(X).transform(X), first)


def test_preprocessing_adapted_params_not_overwritten(estimator, data):
    params = pickle.dumps(estimator.get_params())
    estimator.fit_transform(_X(estimator, data))
    assert pickle.dumps(estimator.get_params()) == params


def test_preprocessing_adapted_no_public_attributes_added(estimator, data):
    before = dict(vars(estimator))
    X = _X(estimator, data)
    estimator.fit(X)
    estimator.transform(X)
    assert vars(estimator) == before  # stateless: fit and transform change nothing


def test_preprocessing_adapted_subset_and_order_invariance(estimator, data):
    X = _X(estimator, data)
    full = estimator.fit_transform(X)
    order = np.arange(len(X))[::-1]
    Xr = [X[i] for i in order] if isinstance(X, list) else X[order]
    np.testing.assert_array_equal(estimator.transform(Xr), full[order])
    np.testing.assert_array_equal(estimator.transform(X[2:5]), full[2:5])


def test_preprocessing_adapted_pickle(estimator, data):
    X = _X(estimator, data)
    expected = estimator.fit_transform(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(estimator)).transform(X), expected)


def test_preprocessing_adapted_pipeline_consistency(estimator, data):
    from sklearn.pipeline import make_pipeline

    X = _X(estimator, data)
    np.testing.assert_array_equal(make_pipeline(clone(estimator)).fit_transform(X), estimator.fit_transform(X))


def test_preprocessing_adapted_fit_transform_equals_transform(estimator, data):
    """requires_fit=False: transform before fit works and equals fit_transform."""
    X = _X(estimator, data)
    np.testing.assert_array_equal(clone(estimator).transform(X), estimator.fit_transform(X))


def test_preprocessing_adapted_fit_accepts_y(estimator, data):
    X = _X(estimator, data)
    y = ["covid", "non-covid"] * (len(X) // 2) + ["covid"] * (len(X) % 2)
    np.testing.assert_array_equal(estimator.fit(X, y).transform(X), estimator.fit_transform(X, y))


def test_preprocessing_adapted_no_n_features_in(estimator, data):
    estimator.fit(_X(estimator, data))
    assert not hasattr(estimator, "n_features_in_")  # paths / images have no feature count
    assert not hasattr(estimator, "feature_names_in_")


def test_preprocessing_adapted_single_sample(estimator, data):
    X = _X(estimator, data)
    assert estimator.fit_transform(X[:1]).shape[0] == 1
