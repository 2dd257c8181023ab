"""Public functions declare their parameters with scikit-learn's ``validate_params``.

Issue 11, item 12: every public function of skcxr.metrics, skcxr.model_selection,
skcxr.explain and skcxr.datasets validates its arguments with scikit-learn's own
machinery; a bad value raises ``InvalidParameterError`` (a ValueError and a
TypeError) naming the function, the parameter, what it must be and what it got.
"""

import importlib
import inspect

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

SUBPACKAGES = ["metrics", "model_selection", "explain", "datasets"]
# in modules of the DICOM / decoder work (datasets/_duplicates.py, datasets/_dicom.py),
# left to their authors: add validate_params there, then remove them from this set
NOT_YET = set()


def _public_functions():
    for sub in SUBPACKAGES:
        module = importlib.import_module(f"skcxr.{sub}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) and f"skcxr.{sub}.{name}" not in NOT_YET:
                yield f"skcxr.{sub}.{name}", obj


# ids: the names only (a function's repr holds its address, which differs between
# pytest-xdist's workers and breaks their collection)
@pytest.mark.parametrize("name, func", list(_public_functions()),
                         ids=[name for name, _ in _public_functions()])
def test_public_function_declares_its_parameters(name, func):
    constraints = getattr(func, "_skl_parameter_constraints", None)
    assert constraints is not None, f"{name} is not decorated with validate_params"
    signature = inspect.signature(func)
    named = [p for p, v in signature.parameters.items()
             if v.kind not in (v.VAR_POSITIONAL, v.VAR_KEYWORD)]
    assert set(constraints) <= set(named), name
    if name != "skcxr.datasets.make_covid_dataset_from_root":  # the rest goes on in **params
        assert set(constraints) == set(named), f"{name}: undeclared {set(named) - set(constraints)}"


C, N = "covid", "non-covid"
TABLE = pd.DataFrame({"path": list("abcdef"), "label": [C, N] * 3,
                      "patientid": list("abcdef"), "source": "s"})


@pytest.mark.parametrize("call, match", [
    (lambda m: m.metrics.sensitivity_score([C], [C], zero_division=2),
     r"'zero_division' parameter of sensitivity_score must be"),
    (lambda m: m.metrics.specificity_score([C], [C], pos_label=None),
     r"'pos_label' parameter of specificity_score must be"),
    (lambda m: m.metrics.classification_summary([C, N], [C, N], n_bootstraps=-1),
     r"'n_bootstraps' parameter of classification_summary must be an int in the range \[0, inf\)"
     r"\. Got -1 instead"),
    (lambda m: m.metrics.classification_summary([C, N], [C, N], confidence_level=1.5),
     r"'confidence_level' parameter of classification_summary must be a float in the range "
     r"\(0\.0, 1\.0\)"),
    (lambda m: m.metrics.get_scorers(zero_division="ignore"),
     r"'zero_division' parameter of get_scorers"),
    (lambda m: m.model_selection.evaluate_by_source(DummyClassifier(), TABLE, n_jobs="all"),
     r"'n_jobs' parameter of evaluate_by_source must be an instance of 'int' or None"),
    (lambda m: m.model_selection.evaluate_by_source("model", TABLE),
     r"'estimator' parameter of evaluate_by_source must be an object implementing 'fit' and "
     r"'predict'"),
    (lambda m: m.explain.grad_cam(DummyClassifier(), np.zeros((1, 8, 8, 1)), batch_size=0),
     r"'batch_size' parameter of grad_cam must be an int in the range \[1, inf\)"),
    (lambda m: m.explain.grad_cam("model", np.zeros((1, 8, 8, 1))),
     r"'estimator' parameter of grad_cam must be an object implementing 'predict_proba'"),
    (lambda m: m.explain.central_mask((8, 8), margin=0.7),
     r"'margin' parameter of central_mask must be"),
    (lambda m: m.datasets.make_covid_dataset("x", on_missing="drop"),
     r"'on_missing' parameter of make_covid_dataset must be a str among \{.*'warn'.*\}"),
    (lambda m: m.datasets.make_covid_dataset("x", duplicate_threshold=1.5),
     r"'duplicate_threshold' parameter of make_covid_dataset must be a float in the range "
     r"\(0\.0, 1\.0\]"),
    (lambda m: m.datasets.make_covid_dataset_from_root("x", recipe="study", balance="yes"),
     r"'balance' parameter of make_covid_dataset_from_root must be"),  # in **params
    (lambda m: m.datasets.make_covid_dataset(3),
     r"'covid_root' parameter of make_covid_dataset must be an instance of 'str' or an "
     r"instance of 'os.PathLike'"),
    (lambda m: m.datasets.load_covid_chestxray("x", on_missing=None),
     r"'on_missing' parameter of load_covid_chestxray"),
    (lambda m: m.datasets.make_synthetic_cxr(2.5, "x"),
     r"'n_samples' parameter of make_synthetic_cxr must be an int"),
    (lambda m: m.model_selection.leave_one_source_out(DummyClassifier(), TABLE, inner_cv=1),
     r"'inner_cv' parameter of leave_one_source_out must be an int in the range \[2, inf\)"
     r"\. Got 1 instead"),
    (lambda m: m.model_selection.leave_one_source_out(DummyClassifier(), TABLE,
                                                      target_sensitivity=0),
     r"'target_sensitivity' parameter of leave_one_source_out must be a float in the range "
     r"\(0\.0, 1\.0\]"),
    (lambda m: m.model_selection.source_balanced_weights(TABLE.to_dict()),
     r"'table' parameter of source_balanced_weights must be an instance of "
     r"'pandas(\.core\.frame)?\.DataFrame'"),
    (lambda m: m.datasets.make_multisource_dataset("x", n_negatives=-1),
     r"'n_negatives' parameter of make_multisource_dataset must be a str among "
     r"\{.*'balance'.*\} or an int in the range \[0, inf\)"),
    (lambda m: m.datasets.make_multisource_dataset("x", on_missing="drop"),
     r"'on_missing' parameter of make_multisource_dataset must be a str among"),  # in **params
    (lambda m: m.datasets.split_covid_collection(TABLE, "x", by="city"),
     r"'by' parameter of split_covid_collection must be a str among \{.*'region'.*\}"),
    (lambda m: m.datasets.load_negative_pools(3),
     r"'data_root' parameter of load_negative_pools must be an instance of 'str' or"),
    (lambda m: m.datasets.load_tbx11k("x", on_missing="drop"),
     r"'on_missing' parameter of load_tbx11k must be a str among"),
    (lambda m: m.datasets.load_xray_folder("x", missing_patientid="skip"),
     r"'missing_patientid' parameter of load_xray_folder must be a str among "
     r"\{.*'per-image'.*\}"),
])
def test_bad_values_raise_invalid_parameter_error_naming_function_and_parameter(call, match):
    import skcxr.datasets
    import skcxr.explain
    import skcxr.metrics
    import skcxr.model_selection

    with pytest.raises(InvalidParameterError, match=match):
        call(skcxr)


def test_multisource_checks_what_it_passes_on_before_reading_folders():
    from skcxr.datasets import make_multisource_dataset

    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['balance'\]; its "
                                        r"\*\*params go to make_covid_dataset \(balance=False\)"):
        make_multisource_dataset("/nowhere", balance=True)


def test_an_estimators_own_bad_parameter_is_not_blamed_on_leave_one_source_out():
    from skcxr.model_selection import leave_one_source_out

    table = TABLE.assign(source=list("aabbcc"), x=np.arange(6.0))
    with pytest.raises(ValueError) as info:
        leave_one_source_out(LogisticRegression(C=-1.0), table, path_column=None,
                             threshold=0.5)
    message = str(info.value)
    assert not isinstance(info.value, InvalidParameterError)
    assert "LogisticRegression rejected a parameter" in message
    assert "'C' parameter of LogisticRegression must be" in message
    assert "of leave_one_source_out" not in message


def test_from_root_checks_what_it_passes_on_before_scanning_folders():
    from skcxr.datasets import make_covid_dataset_from_root

    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['healty'\]; with "
                                        r"recipe='study' its \*\*params go to "
                                        r"make_covid_dataset, which takes "):
        make_covid_dataset_from_root("/nowhere", recipe="study", healty="adult-normal")
    with pytest.raises(TypeError, match=r"\['negativs'\]; with recipe='multisource' its "
                                        r"\*\*params go to make_multisource_dataset"):
        make_covid_dataset_from_root("/nowhere", negativs={"adult-normal": 1})
    for recipe in ("study", "multisource"):
        with pytest.raises(TypeError, match=r"\['pneumonia_root'\]"):
            make_covid_dataset_from_root("/nowhere", recipe=recipe, pneumonia_root="/x")
    # the study's options on the default (multi-source) table: say how to ask for the study's
    with pytest.raises(TypeError, match=r"\['healthy'\] choose the 2020 study's healthy "
                                        r"top-up; pass recipe='study'"):
        make_covid_dataset_from_root("/nowhere", healthy="adult-normal")


def test_an_estimators_own_bad_parameter_is_not_blamed_on_evaluate_by_source():
    from skcxr.model_selection import evaluate_by_source

    with pytest.raises(ValueError) as info:
        evaluate_by_source(LogisticRegression(C=-1.0), TABLE.assign(x=np.arange(6.0)),
                           cv=2, path_column=None, cross_source=False)
    message = str(info.value)
    assert not isinstance(info.value, InvalidParameterError)
    assert "LogisticRegression rejected a parameter" in message
    assert "'C' parameter of LogisticRegression must be" in message
    assert "of evaluate_by_source" not in message
