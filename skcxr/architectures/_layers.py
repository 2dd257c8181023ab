"""Custom Keras layers of the backbones (registered serializable)."""

import keras
from keras import ops

#: Per-mode constants of ``keras.applications`` input preprocessing.
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)
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
            mean = ops.convert_to_tensor(_TORCH_MEAN, dtype="float32")
            std = ops.convert_to_tensor(_TORCH_STD, dtype="float32")
            return (x - mean) / std
        return x * 255.0

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 3)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
