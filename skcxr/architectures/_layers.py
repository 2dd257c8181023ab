"""Custom Keras layers of the backbones (registered serializable)."""

import keras
from keras import ops

from ..utils._constants import IMAGENET_MEAN, IMAGENET_STD

#: Per-mode constants of ``keras.applications`` input preprocessing.
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
MODES = ("tf", "caffe", "torch", "raw")


@keras.saving.register_keras_serializable(package="skcxr")
class BackboneInput(keras.layers.Layer):
    """Images in [0, 1] (1 or 3 channels) -> the input an ImageNet backbone expects.

    Grayscale images are repeated to three channels, then scaled as
    ``keras.applications.<family>.preprocess_input`` does on 0..255 RGB:

    * ``"tf"`` (MobileNetV2): ``2 x - 1``, in [-1, 1];
    * ``"caffe"`` (ResNet50): 0..255, RGB -> BGR, ImageNet mean subtracted;
    * ``"torch"`` (DenseNet121): ImageNet mean / standard deviation;
    * ``"raw"`` (EfficientNet, which scales inside its own model): 0..255.

    Parameters
    ----------
    mode : {"tf", "caffe", "torch", "raw"}
    """

    def __init__(self, mode="tf", **kwargs):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"BackboneInput: mode must be one of {MODES}, got {mode!r}")
        self.mode = mode

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        if x.shape[-1] == 1:
            x = ops.concatenate([x, x, x], axis=-1)
        if self.mode == "tf":
            return x * 2.0 - 1.0
        if self.mode == "caffe":
            x = ops.flip(x * 255.0, axis=-1)
            return x - ops.convert_to_tensor(_CAFFE_MEAN_BGR, dtype="float32")
        if self.mode == "torch":
            mean = ops.convert_to_tensor(IMAGENET_MEAN, dtype="float32")
            std = ops.convert_to_tensor(IMAGENET_STD, dtype="float32")
            return (x - mean) / std
        return x * 255.0

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 3)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


@keras.saving.register_keras_serializable(package="skcxr")
class GridAveragePooling2D(keras.layers.Layer):
    """Average of each quadrant of a feature map: (n, h, w, c) -> (n, 4 c).

    The quadrants are top-left, top-right, bottom-left, bottom-right (each
    ``ceil(h / 2) x ceil(w / 2)``; an odd middle row or column belongs to both
    halves, so a left-right mirror swaps the left and right cells exactly).
    Keeps coarse position (left / right lung, upper / lower zones) that a
    global average discards. Works for any map size of at least 1 x 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skcxr.architectures._layers import GridAveragePooling2D
    >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    >>> np.asarray(GridAveragePooling2D()(x)).tolist()
    [[2.5, 4.5, 10.5, 12.5]]
    """

    def call(self, inputs):
        shape = ops.shape(inputs)
        h, w = shape[1], shape[2]
        top, left = (h + 1) // 2, (w + 1) // 2
        halves = [inputs[:, :top], inputs[:, h - top:]]
        cells = [ops.mean(half[:, :, cols], axis=(1, 2))
                 for half in halves for cols in (slice(None, left), slice(w - left, None))]
        return ops.concatenate(cells, axis=-1)

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        return (input_shape[0], None if channels is None else 4 * channels)
