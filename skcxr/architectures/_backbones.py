"""ImageNet backbones of ``keras.applications`` as skcxr architectures.

Each builder returns a flat functional model: ``image`` (1 or 3 channels,
values in [0, 1]) -> ``backbone_input`` (gray -> RGB and the backbone's own
scaling, :class:`~skcxr.architectures.BackboneInput`) -> the backbone's
layers under their Keras names -> global pooling -> the dense head ->
``logits`` -> ``probabilities``.
"""

import re
from dataclasses import dataclass

from ..utils._constants import IMAGENET_STD
from ._five_block import _check_head, _check_input_shape, _classification_head
from ._registry import register_architecture
from ._weights import WeightsError, load_backbone_weights, resolve_weights


@dataclass(frozen=True)
class _Backbone:
    constructor: str  # attribute of keras.applications
    mode: str  # BackboneInput mode
    block: str  # regex whose group 1 names a layer's block
    min_size: int = 32


BACKBONES = {
    "mobilenet_v2": _Backbone("MobileNetV2", "tf", r"^(block_\d+)_"),
    "densenet121": _Backbone("DenseNet121", "torch", r"^(conv\d_block\d+|pool\d)_"),
    "efficientnet_b0": _Backbone("EfficientNetB0", "raw", r"^(block\d+[a-z])_"),
    "resnet50": _Backbone("ResNet50", "caffe", r"^(conv\d_block\d+)_"),
}


def backbone_blocks(name, layers):
    """Group a backbone's layers into blocks, input to output.

    Layers before the first block form ``"stem"``, layers after the last one
    ``"top"``; both count as blocks for ``trainable_blocks``.

    Parameters
    ----------
    name : str
        One of :data:`BACKBONES`.
    layers : sequence of keras.layers.Layer
        The backbone's layers, input to output (e.g. ``model.layers``).

    Returns
    -------
    blocks : list of (str, list of keras.layers.Layer)
        Block name and its layers, in order.
    """
    pattern = re.compile(BACKBONES[name].block)
    blocks, seen_block = [], False
    for layer in layers:
        match = pattern.match(layer.name)
        key = match.group(1) if match else ("top" if seen_block else "stem")
        seen_block = seen_block or bool(match)
        if not blocks or blocks[-1][0] != key:
            blocks.append((key, []))
        blocks[-1][1].append(layer)
    return blocks


def _check_trainable_blocks(trainable_blocks, name):
    if trainable_blocks == "all":
        return "all"
    if not isinstance(trainable_blocks, int) or isinstance(trainable_blocks, bool) \
            or trainable_blocks < 0:
        raise ValueError(
            f"{name}: trainable_blocks must be a non-negative int (0 freezes the whole "
            f"backbone) or 'all', got {trainable_blocks!r}"
        )
    return trainable_blocks


def build_backbone(name, input_shape, *, weights=None, pooling="avg", inputs=None):
    """The backbone alone: ``image`` -> pooled features (or the last feature map).

    Parameters
    ----------
    name : str
        One of :data:`BACKBONES`.
    input_shape : tuple of int
        ``(height, width, channels)``, 1 or 3 channels; height and width may
        be None (any size).
    weights : None, "imagenet" or path-like, default=None
        See :func:`~skcxr.architectures.resolve_weights`.
    pooling : {"avg", "max", None}, default="avg"
        Global pooling of the last feature map (None: no pooling).
    inputs : keras.KerasTensor or None, default=None
        An existing input tensor to build on (None: a new ``keras.Input``).

    Returns
    -------
    keras.Model
        Flat model; its backbone layers keep their Keras names and weights.
    """
    import keras
    from keras import layers

    from ._layers import BackboneInput

    spec = BACKBONES[name]
    if input_shape[0] is None or input_shape[1] is None:  # any size (feature extraction)
        input_shape = (None, None, int(input_shape[2]))
        if input_shape[2] not in (1, 3):
            raise ValueError(f"{name}: images must have 1 or 3 channels, got {input_shape}")
    else:
        input_shape = _check_input_shape(input_shape, spec.min_size, name)
    if pooling not in ("avg", "max", None):
        raise ValueError(f"{name}: pooling must be 'avg', 'max' or None, got {pooling!r}")
    path = resolve_weights(name, weights)
    constructor = getattr(keras.applications, spec.constructor)
    image = inputs if inputs is not None else keras.Input(shape=input_shape, name="image")
    x = BackboneInput(spec.mode, name="backbone_input")(image)
    model = constructor(include_top=False, weights=None, input_tensor=x)
    if path is not None:
        # Load into a pristine keras.applications model (the layout the files
        # were saved from), then copy layer by layer into the flat one.
        pristine = constructor(include_top=False, weights=None,
                               input_shape=input_shape[:2] + (3,))
        load_backbone_weights(pristine, path, name)
        if name.startswith("efficientnet"):
            _fix_efficientnet_normalization(pristine)
        for layer in pristine.layers:
            if layer.weights:
                target = model.get_layer(layer.name)
                target.set_weights(layer.get_weights())
                if hasattr(target, "finalize_state"):  # Normalization: mean / variance
                    target.finalize_state()
    x = model.output
    if pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    return keras.Model(image, x, name=f"{name}_features")


def _fix_efficientnet_normalization(model):
    """Fold into the Normalization variance the rescaling that keras.applications
    adds after it only for ``weights="imagenet"`` (its files hold the standard
    deviation where the variance belongs, keras issue tensorflow#49930)."""
    import numpy as np

    norm = next(layer for layer in model.layers if layer.__class__.__name__ == "Normalization")
    variance = norm.variables[1]
    variance.assign(np.asarray(variance) * np.reshape(IMAGENET_STD, variance.shape))
    if hasattr(norm, "finalize_state"):
        norm.finalize_state()


def _backbone_classifier(name, input_shape, n_classes, *, weights, trainable_blocks,
                         train_batchnorm, pooling, fc_units, dropout):
    import keras

    fc_units, dropout = _check_head(fc_units, dropout, name)
    trainable_blocks = _check_trainable_blocks(trainable_blocks, name)
    features = build_backbone(name, input_shape, weights=weights, pooling=pooling)
    backbone_layers = [layer for layer in features.layers
                       if layer.name not in ("image", "backbone_input", "avg_pool", "max_pool")]
    blocks = backbone_blocks(name, backbone_layers)
    n_train = len(blocks) if trainable_blocks == "all" else min(trainable_blocks, len(blocks))
    for i, (_, block_layers) in enumerate(blocks):
        train = i >= len(blocks) - n_train
        for layer in block_layers:
            is_bn = isinstance(layer, keras.layers.BatchNormalization)
            # frozen BatchNormalization runs in inference mode (Keras 3)
            layer.trainable = train and (train_batchnorm or not is_bn)
    outputs = _classification_head(features.output, n_classes, fc_units, dropout)
    return keras.Model(features.input, outputs, name=name)


_DOC = """{title}

    ``keras.applications.{constructor}`` (``include_top=False``) with skcxr's
    contract: images in [0, 1] with 1 or 3 channels (grayscale is repeated
    to RGB and the backbone's own input scaling applied inside the model),
    at least {min_size} px a side; then global pooling, the dense head of
    ``fc_units`` / ``dropout``, ``logits`` and ``probabilities``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``.
    n_classes : int
        Number of output nodes.
    weights : None, "imagenet" or path-like, default="imagenet"
        None: random weights. ``"imagenet"``: the registered ImageNet file
        from ``$SKCXR_WEIGHTS``, Keras' cache or a download
        (:func:`skcxr.architectures.resolve_weights`). A path: a weights file
        of ``keras.applications.{constructor}(include_top=False)``.
    trainable_blocks : int or "all", default=0
        0 freezes the whole backbone (only the head trains); N trains its
        last N blocks (see :func:`skcxr.architectures.backbone_blocks`);
        ``"all"`` trains everything.
    train_batchnorm : bool, default=False
        Whether BatchNormalization layers of trainable blocks train too.
        Frozen ones run in inference mode (their ImageNet statistics).
    pooling : {{"avg", "max"}}, default="avg"
        Global pooling of the last feature map.
    fc_units : int or tuple of int, default=(128,)
        Dense layers of the head; ``()`` for logits right on the features.
    dropout : float or tuple of float, default=0.3
        Dropout after each dense layer.

    Returns
    -------
    keras.Model
        Flat functional model (not compiled).

    Raises
    ------
    skcxr.architectures.WeightsError
        Missing, corrupt or mismatched weights (the message names the file
        and the architecture).

    Examples
    --------
{example}
    """


def _make_builder(name, title):
    spec = BACKBONES[name]

    def builder(input_shape, n_classes, *, weights="imagenet", trainable_blocks=0,
                train_batchnorm=False, pooling="avg", fc_units=(128,), dropout=0.3):
        return _backbone_classifier(
            name, input_shape, n_classes, weights=weights, trainable_blocks=trainable_blocks,
            train_batchnorm=train_batchnorm, pooling=pooling, fc_units=fc_units,
            dropout=dropout)

    builder.__name__ = builder.__qualname__ = name
    if name == "mobilenet_v2":  # builds a network: one example is enough for the doctests
        example = (f"    >>> from skcxr.architectures import {name}\n"
                   f"    >>> model = {name}((32, 32, 1), 2, weights=None)\n"
                   "    >>> model.output_shape\n    (None, 2)")
    else:
        example = ("    >>> from skcxr import CXRClassifier\n"
                   f"    >>> clf = CXRClassifier({name!r}, architecture_params={{\n"
                   "    ...     \"weights\": \"imagenet\", \"trainable_blocks\": 2})\n"
                   "    >>> clf.architecture_params[\"trainable_blocks\"]\n    2")
    builder.__doc__ = _DOC.format(title=title, constructor=spec.constructor,
                                  min_size=spec.min_size, example=example)
    return register_architecture(name, builder)


mobilenet_v2 = _make_builder("mobilenet_v2", "MobileNetV2 (ImageNet) with a dense head.")
densenet121 = _make_builder("densenet121", "DenseNet121 (ImageNet, as CheXNet) with a dense head.")
efficientnet_b0 = _make_builder("efficientnet_b0", "EfficientNetB0 (ImageNet) with a dense head.")
resnet50 = _make_builder("resnet50", "ResNet50 (ImageNet) with a dense head.")

__all__ = ["BACKBONES", "WeightsError", "backbone_blocks", "build_backbone",
           "densenet121", "efficientnet_b0", "mobilenet_v2", "resnet50"]
