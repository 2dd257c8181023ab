"""Shared fixtures.

* ``data_root``: the real X-rays (``$SKCXR_DATA``, default ``../shared/data``
  beside the checkout). Missing data fails loudly under CI and skips elsewhere.
* ``weights_root``: offline pretrained weights (``$SKCXR_WEIGHTS``, default
  ``../shared/weights``); same policy as the data.
* ``synthetic_table``: a small table of synthetic X-ray PNGs written once per
  session by :func:`skcxr.datasets.make_synthetic_cxr`.

The quick subset for local work, ``python -m pytest -m "not slow and not
real_data"``, leaves out the tests marked ``slow``: those so marked in their
module, and every test of the modules in :data:`SLOW_MODULES` (they train
networks, build the docs or start TensorFlow in subprocesses). The full suite
runs everything; pytest prints the slowest tests at the end (``--durations``).
"""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest
from _requirements import skip_or_fail

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_WEIGHTS = REPO_ROOT.parent / "shared" / "weights"
MOBILENET_V2_FILE = "mobilenet_v2_1.0_imagenet_notop.weights.h5"


#: Test modules that train networks, build the docs or start TensorFlow in
#: subprocesses: all their tests are ``slow`` (left out of the quick subset).
SLOW_MODULES = {
    "test_backbones.py", "test_classifier.py", "test_classifier_checks.py",
    "test_classifier_seeding.py", "test_distribute_strategy.py", "test_distributed.py",
    "test_docs.py", "test_examples.py", "test_explain.py", "test_features.py",
    "test_leave_one_source_out.py", "test_model_selection_integration.py",
    "test_dicom_pipeline.py", "test_search_progress.py", "test_classifier_params.py",
    "test_set_output.py", "test_common.py",
}


def pytest_collection_modifyitems(config, items):
    slow = pytest.mark.slow
    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(slow)


def _real_data_root():
    return Path(os.environ.get("SKCXR_DATA", DEFAULT_DATA)).expanduser().resolve()


@pytest.fixture(scope="session")
def data_root():
    """Root of the real data (folders covid-chestxray/, chest-xray-pneumonia/, adult-normal/)."""
    root = _real_data_root()
    expected = ["covid-chestxray", "chest-xray-pneumonia", "adult-normal"]
    missing = [name for name in expected if not (root / name).is_dir()]
    if missing:
        msg = (
            f"real X-ray data not found: {root} lacks {missing}; set SKCXR_DATA "
            "to the folder that holds covid-chestxray/, chest-xray-pneumonia/ and adult-normal/"
        )
        skip_or_fail(msg)
    return root


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("synthetic_cxr")


@pytest.fixture(scope="session")
def synthetic_table(synthetic_dir):
    """120 synthetic 64 px X-rays (balanced covid / non-covid) with patient ids."""
    from skcxr.datasets import make_synthetic_cxr

    return make_synthetic_cxr(120, synthetic_dir, image_size=64, random_state=0)


def _real_weights_root():
    return Path(os.environ.get("SKCXR_WEIGHTS", DEFAULT_WEIGHTS)).expanduser().resolve()


@pytest.fixture(scope="session")
def weights_root():
    """Folder of offline ImageNet weights (holds mobilenet_v2_1.0_imagenet_notop.weights.h5)."""
    root = _real_weights_root()
    if not (root / MOBILENET_V2_FILE).is_file():
        msg = (
            f"pretrained weights not found: {root} lacks {MOBILENET_V2_FILE}; set "
            "SKCXR_WEIGHTS to the folder that holds it"
        )
        skip_or_fail(msg)
    return root
