"""Metrics of the study: sensitivity, specificity, scorers and the two tables.

Built on :mod:`sklearn.metrics`; ``"covid"`` is the default positive class.
"""

from ._classification import sensitivity_score, specificity_score
from ._scorers import get_scorers
from ._summary import ClassificationSummary, classification_summary

__all__ = [
    "ClassificationSummary",
    "classification_summary",
    "get_scorers",
    "sensitivity_score",
    "specificity_score",
]
