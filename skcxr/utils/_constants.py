"""Constants shared by several subpackages."""

#: ImageNet per-channel statistics (RGB, images scaled to [0, 1]): the
#: ``"torch"`` input normalisation of ``keras.applications`` and the variance
#: folded into EfficientNet's ``Normalization`` layer.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
