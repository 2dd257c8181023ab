"""Plots of training and evaluation: curves, confusion matrix, ROC, the network.

matplotlib (and Keras, for the network views) is imported inside the
functions, so importing this module needs neither.
"""

from ._evaluation import plot_confusion_matrix, plot_roc_curve
from ._grad_cam import plot_grad_cam
from ._history import plot_history
from ._model import model_summary, plot_model
from ._search import plot_search_results

__all__ = [
    "model_summary",
    "plot_confusion_matrix",
    "plot_grad_cam",
    "plot_history",
    "plot_model",
    "plot_roc_curve",
    "plot_search_results",
]
