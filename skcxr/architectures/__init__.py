"""Keras model builders for :class:`skcxr.CXRClassifier`, and their registry.

A builder is ``builder(input_shape, n_classes, **hyperparameters) ->
keras.Model``. Built in: ``"five_block"`` (the study's network) and
``"small_cnn"`` (fast, for tests and examples). Other packages add builders
with :func:`register_architecture` or through the entry-point group
``skcxr.architectures``::

    [project.entry-points."skcxr.architectures"]
    my_net = "my_package.models:my_net"
"""

from ._five_block import five_block, small_cnn
from ._registry import (
    ENTRY_POINT_GROUP,
    get_architecture,
    list_architectures,
    register_architecture,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "five_block",
    "get_architecture",
    "list_architectures",
    "register_architecture",
    "small_cnn",
]
