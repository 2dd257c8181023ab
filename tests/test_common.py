"""scikit-learn's estimator checks over every public skcxr estimator.

The estimators are discovered (:func:`skcxr.utils.all_estimators`), not
listed: a new public estimator is checked as soon as it exists. It is built
with its defaults unless :data:`CONSTRUCTORS` gives a small, fast instance.

Image estimators honestly declare ``input_tags.two_d_array = False``, for
which scikit-learn runs no check but cloneability. So that every check runs
on every estimator, each image estimator is checked through a *twin*: the
same class with ``two_d_array = True``. The checks that feed it a 2-D float
matrix then fail, as they should; they are listed, with every other expected
failure, in :data:`EXPECTED_FAILED_CHECKS`, the one list of expected failures
of the project. The marks are strict: a check that starts passing must be
taken off the list. The image versions of the data-driven checks are
behaviour tests of their own (``test_sklearn_checks.py``,
``test_classifier_checks.py``, ``test_loader.py``, ``test_normalizer.py``,
``test_features.py``).

To add an estimator: nothing, if it passes; else add its expected failures
(with reasons) below, and a constructor in :data:`CONSTRUCTORS` if its
defaults need files, weights or minutes.
"""

import warnings

import pytest
from sklearn.exceptions import SkipTestWarning
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcxr.utils import all_estimators

#: Small, fast instances for estimators whose defaults need files, weights or
#: long training (keyed by class name; the others are built with defaults).
CONSTRUCTORS = {
    "XRayLoader": lambda cls: cls(size=(16, 16), n_jobs=1),
    "XRayNormalizer": lambda cls: cls(n_jobs=1),
    "CXRClassifier": lambda cls: cls(
        "small_cnn", epochs=1, batch_size=8, augmentation=False, random_state=0
    ),
    "XRayEmbedder": lambda cls: cls(weights=None, layer="block_1_expand_relu", batch_size=8),
    "ChunkedTransformer": lambda cls: cls(_tiny_image_steps(), chunk_size=4, verbose=0),
    # a meta-estimator: a fast inner classifier; sklearn's checks use their own labels
    "SensitivityThresholdClassifierCV": lambda cls: cls(
        _logistic_regression(), pos_label=None, cv=3),
}


def _tiny_image_steps():
    from sklearn.pipeline import Pipeline

    from skcxr import XRayLoader
    from skcxr.features import XRayEmbedder

    return Pipeline([("loader", XRayLoader(size=(16, 16), n_jobs=1)),
                     ("embedder", XRayEmbedder(weights=None, layer="block_1_expand_relu",
                                               batch_size=8, verbose=0))])


def _logistic_regression():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression()

# ------------------------------------------------ the one list of expected failures
_2D = "feeds a 2-D float matrix; this estimator's input is {what}"
_PATHS = _2D.format(what="a 1-D sequence of image paths (image version: test_sklearn_checks.py)")
_IMAGES = _2D.format(what="4-D images (n, height, width, channels)")

#: Checks that feed 2-D matrices (and fail on an image estimator's twin).
_DATA_CHECKS = [
    "check_estimators_dtypes",
    "check_fit_score_takes_y",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit",
    "check_sample_weights_pandas_series",
    "check_sample_weights_not_an_array",
    "check_sample_weights_list",
    "check_sample_weights_shape",
    "check_sample_weights_not_overwritten",
    "check_sample_weight_equivalence_on_dense_data",
    "check_estimators_nan_inf",
    "check_estimator_sparse_array",
    "check_estimator_sparse_matrix",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
    "check_fit_non_negative",
    "check_dtype_object",
    "check_estimators_empty_data_messages",
    "check_pipeline_consistency",
    "check_complex_data",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
    "check_transformers_unfitted",
    "check_transformers_unfitted_stateless",
    "check_classifier_data_not_an_array",
    "check_classifiers_one_label",
    "check_classifiers_one_label_sample_weights",
    "check_classifiers_classes",
    "check_estimators_partial_fit_n_features",
    "check_classifier_multioutput",
    "check_classifiers_train",
    "check_classifiers_regression_target",
    "check_supervised_y_no_nan",
    "check_supervised_y_2d",
    "check_estimators_unfitted",
    "check_non_transformer_estimators_n_iter",
    "check_decision_proba_consistency",
    "check_requires_y_none",
    "check_classifiers_multilabel_output_format_predict",
    "check_classifiers_multilabel_output_format_predict_proba",
    "check_classifiers_multilabel_output_format_decision_function",
    "check_classifiers_multilabel_representation_invariance",
    "check_class_weight_classifiers",
    "check_estimators_empty_data_messages",
    "check_fit1d",
    "check_all_zero_sample_weights_error",
    "check_array_api_input",
]


#: Data checks that pass on an image estimator's twin: they only expect a
#: refusal of bad input (1-D, negative, complex, sparse, NaN labels) or test a
#: method the estimator does not have.
_REFUSALS = ["check_fit1d", "check_fit_non_negative"]
_SPARSE_REFUSED = ["check_estimator_sparse_array", "check_estimator_sparse_matrix"]
_NO_SPARSE_MESSAGE = (
    "feeds a sparse matrix: refused, but the error says what the input must be "
    "(paths / an image array), not the word 'sparse' the check looks for"
)


def _data_checks(reason, passing=()):
    return {name: reason for name in _DATA_CHECKS if name not in passing}


#: Expected failures, per estimator class name: check name -> reason.
EXPECTED_FAILED_CHECKS = {
    "XRayLoader": {**_data_checks(_PATHS), "check_estimator_sparse_tag": _NO_SPARSE_MESSAGE},
    # reads image files like the loader (its image behaviour: test_applicability.py)
    "ApplicabilityGate": {
        **_data_checks(_PATHS.replace("test_sklearn_checks.py", "test_applicability.py"),
                       ["check_estimators_unfitted"]),
        "check_estimator_sparse_tag": _NO_SPARSE_MESSAGE,
    },
    # it takes what its inner steps take (here paths); unfitted it raises NotFittedError
    "ChunkedTransformer": _data_checks(
        _PATHS, ["check_estimators_unfitted", "check_transformers_unfitted"]),
    # sparse input: refused with the word 'sparse' (skcxr.utils._images.check_image_array)
    "XRayNormalizer": _data_checks(
        _IMAGES + " (image version: test_sklearn_checks.py)", _REFUSALS + _SPARSE_REFUSED
    ),
    "XRayEmbedder": _data_checks(
        _IMAGES + " (image version: test_features.py)", _REFUSALS + _SPARSE_REFUSED
    ),
    "CXRClassifier": {
        **_data_checks(
            _IMAGES + " (image version: test_classifier_checks.py)",
            _REFUSALS + _SPARSE_REFUSED + [
                "check_estimators_unfitted",
                "check_all_zero_sample_weights_error",
                "check_complex_data",
                "check_supervised_y_no_nan",
                "check_non_transformer_estimators_n_iter",
                "check_decision_proba_consistency",
            ],
        ),
        # scikeras 0.13 itself, kept strict so that a fixed scikeras shows up:
        "check_mixin_order": "KerasClassifier(BaseWrapper, ClassifierMixin): the mixin "
        "comes after the base (the classifier tags are fixed in __sklearn_tags__)",
        "check_estimator_tags_renamed": "scikeras' BaseWrapper defines _more_tags",
    },
    "SensitivityThresholdClassifierCV": {
        name: "predict applies the threshold carried for a target sensitivity, not "
        "argmax(predict_proba), by design (tests/test_threshold.py checks the rule)"
        for name in ("check_classifiers_train", "check_classifiers_train(readonly_memmap=True)",
                     "check_classifiers_train(readonly_memmap=True,X_dtype=float32)")
    },
}


# ------------------------------------------------------------ the walk
def _construct(name, cls):
    build = CONSTRUCTORS.get(name, lambda cls: cls())
    try:
        return build(cls)
    except TypeError as exc:  # pragma: no cover - guides whoever adds an estimator
        raise TypeError(
            f"test_common cannot build {name} with its defaults ({exc}); add a small "
            "instance to CONSTRUCTORS in tests/test_common.py"
        ) from exc


def _two_d_twin(estimator):
    """The same estimator, declaring 2-D input so that sklearn runs every check."""
    cls = type(estimator)
    if get_tags(estimator).input_tags.two_d_array:
        return estimator

    def __sklearn_tags__(self):
        tags = super(twin, self).__sklearn_tags__()
        tags.input_tags.two_d_array = True
        return tags

    twin = type(cls.__name__, (cls,), {"__sklearn_tags__": __sklearn_tags__,
                                        "__module__": cls.__module__})
    return twin(**estimator.get_params(deep=False))


def _estimators():
    return [_two_d_twin(_construct(name, cls)) for name, cls in all_estimators()]


def _expected_failed(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


with warnings.catch_warnings():
    warnings.simplefilter("ignore", SkipTestWarning)
    _CHECKS = parametrize_with_checks(
        _estimators(), expected_failed_checks=_expected_failed, xfail_strict=True
    )


@pytest.mark.filterwarnings("ignore")  # checks feed warnings on purpose
@_CHECKS
def test_sklearn_checks(estimator, check):
    check(estimator)


def test_every_public_estimator_is_checked():
    names = {name for name, _ in all_estimators()}
    assert {"XRayLoader", "XRayNormalizer", "CXRClassifier", "XRayEmbedder"} <= names
    assert set(CONSTRUCTORS) <= names, "a constructor for an estimator that no longer exists"
    assert set(EXPECTED_FAILED_CHECKS) <= names, "expected failures of an unknown estimator"


def test_expected_failures_name_real_checks_with_reasons():
    from sklearn.utils import estimator_checks

    for name, failures in EXPECTED_FAILED_CHECKS.items():
        for check, reason in failures.items():
            # a parametrised check is named with its arguments: check_x(readonly_memmap=True)
            assert hasattr(estimator_checks, check.split("(")[0]), (name, check)
            assert reason and isinstance(reason, str), (name, check)
