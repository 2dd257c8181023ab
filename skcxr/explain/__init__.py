"""Where the network looks: Grad-CAM heatmaps and the share of their mass in a region.

:func:`grad_cam` computes one heatmap per image for a fitted
:class:`~skcxr.CXRClassifier` (or a Pipeline ending in one);
:func:`lung_focus` turns heatmaps into a number, the share of their mass
inside a region such as :func:`central_mask`, a crude lung-field proxy.
TensorFlow is imported only when :func:`grad_cam` runs.
"""

from ._focus import central_mask, lung_focus
from ._grad_cam import find_conv_layers, grad_cam

__all__ = ["central_mask", "find_conv_layers", "grad_cam", "lung_focus"]
