"""Model selection for chest X-ray classifiers: honest evaluation by source.

:func:`evaluate_by_source` scores a classifier with patient-grouped
cross-validation broken down per source (internal) and by training without a
source and testing on it (cross-source); it returns a :class:`SourceEvaluation`.
:func:`search_progress` reports each finished fit of a long search.
"""

from ._by_source import evaluate_by_source
from ._progress import search_progress
from ._report import SourceEvaluation

__all__ = ["evaluate_by_source", "SourceEvaluation", "search_progress"]
