"""The scikit-learn classifier around a Keras CNN: :class:`CXRClassifier`."""

from ._augment import DEFAULT_AUGMENTATION
from ._classifier import CXRClassifier
from ._epoch_lines import EpochProgress

__all__ = ["CXRClassifier", "DEFAULT_AUGMENTATION", "EpochProgress"]
