"""Keras model builders for :class:`skcxr.CXRClassifier`, and their registry.

A builder is ``builder(input_shape, n_classes, **hyperparameters) ->
keras.Model``. Built in: ``"five_block"`` (the study's network) and
``"small_cnn"`` (fast, for tests and examples), and the ImageNet backbones
of ``keras.applications`` ``"mobilenet_v2"``, ``"densenet121"``,
``"efficientnet_b0"`` and ``"resnet50"`` (pretrained weights resolved by
:func:`resolve_weights`). Other packages add builders
with :func:`register_architecture` or through the entry-point group
``skcxr.architectures``::

    [project.entry-points."skcxr.architectures"]
    my_net = "my_package.models:my_net"
"""

from ._backbones import (
    BACKBONES,
    backbone_blocks,
    build_backbone,
    densenet121,
    efficientnet_b0,
    mobilenet_v2,
    resnet50,
)
from ._five_block import five_block, small_cnn
from ._registry import (
    ENTRY_POINT_GROUP,
    get_architecture,
    list_architectures,
    register_architecture,
)
from ._weights import WEIGHTS_ENV, WEIGHTS_FILES, WeightsError, WeightsFile, resolve_weights

__all__ = [
    "BACKBONES",
    "ENTRY_POINT_GROUP",
    "WEIGHTS_ENV",
    "WEIGHTS_FILES",
    "WeightsError",
    "WeightsFile",
    "backbone_blocks",
    "build_backbone",
    "densenet121",
    "efficientnet_b0",
    "five_block",
    "get_architecture",
    "list_architectures",
    "mobilenet_v2",
    "register_architecture",
    "resnet50",
    "resolve_weights",
    "small_cnn",
]
