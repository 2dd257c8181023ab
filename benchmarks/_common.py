"""What the benchmark scripts share: the real data's location, its sources, its table."""

import os
import warnings
from pathlib import Path

KERMANY, ADULT, COVID = "chest-xray-pneumonia", "adult-normal", "covid-chestxray"
# the columns of SourceEvaluation.to_frame() the benchmarks print
COLUMNS = ["source", "n", "accuracy", "sensitivity", "specificity", "roc_auc"]


def default_data_root():
    """``$SKCXR_DATA``, else ``shared/data`` beside the checkout (as the tests use)."""
    repo = Path(__file__).resolve().parents[1]
    return os.environ.get("SKCXR_DATA", str(repo.parent / "shared" / "data"))


def real_table(data, **kwargs):
    """The 2020 study's table, ``make_covid_dataset_from_root(data, recipe="study", **kwargs)``
    (what every recorded benchmark was measured on), without its DuplicateImageWarning.

    The duplicates are reported by the datasets module and counted in the
    README; repeating the warning in every benchmark run adds nothing.
    """
    from skcxr.datasets import DuplicateImageWarning, make_covid_dataset_from_root

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateImageWarning)
        return make_covid_dataset_from_root(data, recipe="study", **kwargs)


def default_weights_root():
    """``$SKCXR_WEIGHTS``, else ``shared/weights`` beside the checkout (as the
    tests' ``weights_root`` fixture)."""
    repo = Path(__file__).resolve().parents[1]
    return os.environ.get("SKCXR_WEIGHTS", str(repo.parent / "shared" / "weights"))
