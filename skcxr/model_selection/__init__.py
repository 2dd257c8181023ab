"""Model selection for chest X-ray classifiers: honest evaluation by source.

:func:`evaluate_by_source` scores a classifier with patient-grouped
cross-validation broken down per source (internal) and by training without a
source and testing on it (cross-source); it returns a :class:`SourceEvaluation`.
:func:`leave_one_source_out` holds every source (or group) out in turn with a
threshold fixed on the training sources; it returns a :class:`HoldoutEvaluation`.
:func:`search_progress` reports each finished fit of a long search.
:class:`SensitivityThresholdClassifierCV` carries a decision threshold set for a
target sensitivity on a patient-grouped inner CV of its training rows.
"""

from ._by_source import evaluate_by_source
from ._holdout_report import HoldoutEvaluation
from ._leave_one_source_out import leave_one_source_out, source_balanced_weights
from ._threshold import (
    TARGET_SENSITIVITY,
    SensitivityThresholdClassifierCV,
    UngroupedThresholdWarning,
    threshold_for_sensitivity,
)
from ._progress import search_progress
from ._report import SourceEvaluation

__all__ = [
    "evaluate_by_source",
    "SourceEvaluation",
    "search_progress",
    # leave-one-source-out (issue 15)
    "HoldoutEvaluation",
    "leave_one_source_out",
    "source_balanced_weights",
    "threshold_for_sensitivity",
    # the threshold travels with the model (issue 19)
    "SensitivityThresholdClassifierCV",
    "TARGET_SENSITIVITY",
    "UngroupedThresholdWarning",
]
