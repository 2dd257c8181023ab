"""scikit-learn estimator checks for the preprocessing transformers.

(The classifier's checks live in their own module.)

XRayLoader takes a 1-D list of *file paths* and XRayNormalizer a 4-D *image
array*; both honestly declare ``input_tags.two_d_array = False``. For such
estimators ``parametrize_with_checks`` runs only ``check_estimator_cloneable``
(sklearn's data-driven checks all feed random 2-D float matrices). So this
module does three things, and asserts that together they cover every check
scikit-learn has for a transformer:

1. ``parametrize_with_checks``: what sklearn itself selects (cloneability).
2. ``DATA_FREE_CHECKS``: sklearn's own check functions that never touch X,
   called directly on both estimators.
3. ``ADAPTED_CHECKS``: the property a data-driven check tests, re-tested
   here with paths / images (``test_preprocessing_adapted_*`` below, plus the
   named tests in test_loader.py / test_normalizer.py).

``NOT_APPLICABLE`` lists the rest, each with the reason it cannot apply.
"""

import pickle
import warnings
from functools import partial

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import SkipTestWarning
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils import estimator_checks as ec
from sklearn.utils.estimator_checks import estimator_checks_generator, parametrize_with_checks

from _preprocessing_files import write_image_kinds
from skcxr.preprocessing import XRayLoader, XRayNormalizer

ESTIMATORS = [XRayLoader(size=(16, 16)), XRayNormalizer(method="hist"), XRayNormalizer()]

DATA_FREE_CHECKS = [
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
]

ADAPTED_CHECKS = {
    "check_estimators_fit_returns_self": "test_preprocessing_adapted_fit_returns_self",
    "check_fit_idempotent": "test_preprocessing_adapted_fit_idempotent",
    "check_estimators_overwrite_params": "test_preprocessing_adapted_params_not_overwritten",
    "check_dont_overwrite_parameters": "test_preprocessing_adapted_no_public_attributes_added",
    "check_dict_unchanged": "test_preprocessing_adapted_no_public_attributes_added",
    "check_methods_subset_invariance": "test_preprocessing_adapted_subset_and_order_invariance",
    "check_methods_sample_order_invariance": "test_preprocessing_adapted_subset_and_order_invariance",
    "check_estimators_pickle": "test_preprocessing_adapted_pickle",
    "check_pipeline_consistency": "test_preprocessing_adapted_pipeline_consistency",
    "check_transformer_general": "test_preprocessing_adapted_fit_transform_equals_transform",
    "check_transformers_unfitted_stateless": "test_preprocessing_adapted_fit_transform_equals_transform",
    "check_transformers_unfitted": "test_preprocessing_adapted_fit_transform_equals_transform",
    "check_estimators_unfitted": "test_preprocessing_adapted_fit_transform_equals_transform",
    "check_fit_check_is_fitted": "test_preprocessing_adapted_fit_transform_equals_transform",
    "check_fit_score_takes_y": "test_preprocessing_adapted_fit_accepts_y",
    "check_n_features_in": "test_preprocessing_adapted_no_n_features_in",
    "check_n_features_in_after_fitting": "test_preprocessing_adapted_no_n_features_in",
    "check_estimators_empty_data_messages": "test_loader.py::test_bad_input_structure, "
    "test_normalizer.py::test_bad_input",
    "check_fit2d_1sample": "test_preprocessing_adapted_single_sample",
    "check_transformer_data_not_an_array": "test_loader.py::test_input_kinds_give_same_array",
    "check_dtype_object": "test_loader.py::test_input_kinds_give_same_array (object array)",
    "check_estimators_dtypes": "test_normalizer.py::test_shape_dtype_range_preserved",
    "check_transformer_preserve_dtypes": "test_normalizer.py::test_shape_dtype_range_preserved",
    "check_readonly_memmap_input": "test_normalizer.py::test_readonly_and_fortran_input",
    "check_f_contiguous_array_estimator": "test_normalizer.py::test_readonly_and_fortran_input",
    "check_complex_data": "test_normalizer.py::test_bad_input (complex)",
    "check_positive_only_tag_during_fit": "test_normalizer.py::test_bad_input (negative)",
    "check_fit1d": "test_normalizer.py::test_bad_input (3d); for XRayLoader 1-D IS the input",
}

_NO_WEIGHTS = "no sample_weight: a stateless per-image transform has nothing to weight"
_NOT_2D = (
    "feeds a 2-D numeric matrix; the loader's rows are file paths and the normaliser's "
    "are images (n, h, w, c), so a (n_samples, n_features) matrix is not a valid input"
)
NOT_APPLICABLE = {
    "check_sample_weights_pandas_series": _NO_WEIGHTS,
    "check_sample_weights_not_an_array": _NO_WEIGHTS,
    "check_sample_weights_list": _NO_WEIGHTS,
    "check_sample_weights_shape": _NO_WEIGHTS,
    "check_sample_weights_not_overwritten": _NO_WEIGHTS,
    "check_sample_weight_equivalence_on_dense_data": _NO_WEIGHTS,
    "check_all_zero_sample_weights_error": _NO_WEIGHTS,
    "check_estimator_sparse_array": "images and path lists are dense; sparse input has no meaning",
    "check_estimator_sparse_matrix": "images and path lists are dense; sparse input has no meaning",
    "check_estimator_sparse_tag": "images and path lists are dense; sparse input has no meaning",
    "check_array_api_input": "decoding (Pillow) and equalisation (scikit-image) are NumPy-only",
    "check_array_api_same_namespace": "decoding (Pillow) and equalisation (scikit-image) are NumPy-only",
    "check_array_api_mixed_inputs": "decoding (Pillow) and equalisation (scikit-image) are NumPy-only",
    "check_fit2d_1feature": _NOT_2D + " (a 'feature' count does not exist for images)",
    "check_fit2d_predict1d": _NOT_2D,
    "check_transformer_n_iter": "no iterative solver: no n_iter_",
}


def _check_name(check):
    while isinstance(check, partial):
        check = check.func
    return getattr(check, "__wrapped__", check).__name__


# sklearn warns that it skips its 2-D checks: expected and documented above.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", SkipTestWarning)
    _selected = parametrize_with_checks(ESTIMATORS)


@_selected
def test_preprocessing_sklearn_selected_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("check_name", DATA_FREE_CHECKS)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_preprocessing_data_free_sklearn_checks(estimator, check_name):
    getattr(ec, check_name)(type(estimator).__name__, clone(estimator))


def test_preprocessing_every_sklearn_check_is_accounted_for():
    """A check added by a future scikit-learn must be classified here, not ignored."""
    known = set()
    for reference in (StandardScaler(), FunctionTransformer()):
        known |= {_check_name(c) for _, c in estimator_checks_generator(reference, legacy=True)}
    ours = set(DATA_FREE_CHECKS) | set(ADAPTED_CHECKS) | set(NOT_APPLICABLE)
    assert not known - ours, f"unclassified sklearn checks: {sorted(known - ours)}"
    assert not set(DATA_FREE_CHECKS) & set(NOT_APPLICABLE)
    assert not set(ADAPTED_CHECKS) & set(NOT_APPLICABLE)
    for name in DATA_FREE_CHECKS + list(NOT_APPLICABLE):
        assert hasattr(ec, name), name
    local = {name for name in globals() if name.startswith("test_preprocessing_adapted")}
    for where in ADAPTED_CHECKS.values():
        assert where in local or "::" in where, where


def test_preprocessing_honest_tags_mean_sklearn_skips_data_checks():
    for est in ESTIMATORS:
        names = [_check_name(c) for _, c in estimator_checks_generator(est, legacy=True)]
        assert names == ["check_estimator_cloneable"]


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
