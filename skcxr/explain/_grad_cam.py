"""Grad-CAM heatmaps for a fitted CXRClassifier."""

import numbers
import weakref

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, validate_params
from sklearn.utils.validation import check_is_fitted

from ..utils._images import as_unit_float

__all__ = ["find_conv_layers", "grad_cam"]

_CONV_TYPES = ("Conv2D", "SeparableConv2D", "DepthwiseConv2D")
_POOL_TYPES = ("Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D")

# model -> {(layer name, class index): compiled Grad-CAM function}. The values
# hold the model's layers but not the model itself, so a model that is no
# longer used elsewhere is dropped from the cache.
_CAM_CACHE = weakref.WeakKeyDictionary()


# ------------------------------------------------------------------ helpers
def _resolve_estimator(estimator, X):
    """Return (classifier, images): run a Pipeline's first steps as transforms."""
    steps = getattr(estimator, "steps", None)
    if steps is not None:
        if not steps:
            raise ValueError("grad_cam: the Pipeline has no steps")
        clf = steps[-1][1]
        _check_classifier(clf)
        if len(steps) > 1:
            X = estimator[:-1].transform(X)
        return clf, X
    _check_classifier(estimator)
    return estimator, X


def _check_classifier(clf):
    check_is_fitted(clf)
    model = getattr(clf, "model_", None)
    if model is None or not hasattr(model, "layers") or not hasattr(clf, "classes_"):
        raise TypeError(
            "grad_cam needs a fitted skcxr.CXRClassifier (or a Pipeline ending in one) "
            f"with a Keras network in model_ and classes_; got {type(clf).__name__}"
        )


def _as_images(clf, X, model):
    """4-D float32 images in [0, 1] matching the network's input size."""
    expected = tuple(model.inputs[0].shape[1:])
    X = np.asarray(X)
    if X.ndim != 4 or tuple(X.shape[1:]) != expected:
        raise ValueError(
            f"grad_cam: the network expects images of shape (n, {', '.join(map(str, expected))}), "
            f"got {X.shape}; load them at the size and color mode used for fit"
        )
    if len(X) and hasattr(clf, "_validate_data"):  # the classifier's own rules, as in predict
        X = clf._validate_data(X=X)[0]
    elif len(X):  # the rules of every skcxr image estimator
        X = as_unit_float(X, caller="grad_cam", channels=None)
    return np.asarray(X, dtype=np.float32)


def _class_index(clf, class_name):
    classes = list(np.asarray(clf.classes_).tolist())
    if class_name not in classes:
        raise ValueError(
            f"grad_cam: unknown class_name {class_name!r}; the classifier knows {classes}"
        )
    return classes.index(class_name)


def _output_rank(layer):
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):  # layer without a single symbolic output
        return None


@validate_params({"model": [HasMethods(["get_layer"])]}, prefer_skip_nested_validation=True)
def find_conv_layers(model):
    """Names of a network's convolutional layers with a 4-D output, in graph order.

    Parameters
    ----------
    model : keras.Model
        A flat functional network, e.g. ``CXRClassifier.model_``.

    Returns
    -------
    list of str
        Names of the ``Conv2D``, ``SeparableConv2D`` and ``DepthwiseConv2D``
        layers whose output is ``(batch, height, width, channels)``.

    Examples
    --------
    >>> from skcxr.architectures import small_cnn
    >>> from skcxr.explain import find_conv_layers
    >>> find_conv_layers(small_cnn((32, 32, 1), 2))
    ['conv1', 'conv2']
    """
    return [
        layer.name
        for layer in model.layers
        if type(layer).__name__ in _CONV_TYPES and _output_rank(layer) == 4
    ]


def _target_layer(model, layer):
    """The layer whose activations are weighted: named, or the last convolution."""
    convs = find_conv_layers(model)
    if layer is not None:
        names = [lay.name for lay in model.layers]
        if layer not in names:
            raise ValueError(
                f"grad_cam: the network {model.name!r} has no layer {layer!r}; "
                f"its convolutional layers are {convs}"
            )
        target = model.get_layer(layer)
        if _output_rank(target) != 4:
            raise ValueError(
                f"grad_cam: layer {layer!r} has output shape {tuple(target.output.shape)}, "
                f"not (batch, height, width, channels); convolutional layers: {convs}"
            )
        return target
    last = None
    for lay in model.layers:
        kind = type(lay).__name__
        if kind in _POOL_TYPES and last is not None:
            break
        if kind in _CONV_TYPES and _output_rank(lay) == 4:
            last = lay
    if last is None:
        nested = [lay.name for lay in model.layers if hasattr(lay, "layers")]
        hint = (
            f"; nested models {nested} hide their layers: build the architecture as a flat graph"
            if nested else ""
        )
        raise ValueError(
            f"grad_cam: no convolutional layer with a 4-D output found in {model.name!r}{hint}; "
            "name one with layer="
        )
    return last


def _logit_fn(model):
    """(tensor to expose, function tensor -> logits) for the network's pre-softmax output."""
    names = [lay.name for lay in model.layers]
    if "logits" in names:
        return model.get_layer("logits").output, lambda z: z
    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", None)
    if type(last).__name__ == "Activation" and activation == "softmax":
        return last.input, lambda z: z
    if type(last).__name__ == "Dense" and activation == "softmax":
        def dense_logits(h):
            z = h @ last.kernel
            return z + last.bias if last.use_bias else z

        return last.input, dense_logits
    raise ValueError(
        f"grad_cam: cannot find the logits of {model.name!r}: name the pre-softmax layer "
        "'logits', or end the network in a softmax Activation or Dense layer"
    )


def _make_cam_fn(model, target, index):
    """One compiled function batch -> coarse Grad-CAM maps, cached per network."""
    import keras
    import tensorflow as tf

    cache = _CAM_CACHE.setdefault(model, {})
    key = (target.name, index)
    if key in cache:
        return cache[key]
    exposed, to_logits = _logit_fn(model)
    grad_model = keras.Model(model.input, [target.output, exposed], name="grad_cam")
    spec = tf.TensorSpec((None, *model.inputs[0].shape[1:]), tf.float32)

    @tf.function(input_signature=[spec])
    def cam_fn(images):
        with tf.GradientTape() as tape:
            activations, exposed_out = grad_model(images, training=False)
            score = to_logits(exposed_out)[:, index]
        grads = tape.gradient(score, activations)
        weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)  # one per channel
        return tf.nn.relu(tf.reduce_sum(weights * activations, axis=-1))

    cache[key] = cam_fn
    return cam_fn


# --------------------------------------------------------------- grad_cam
@validate_params(
    {
        "estimator": [HasMethods(["predict_proba"])],
        "X": ["array-like"],
        "class_name": [str, numbers.Real],
        "layer": [str, None],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
    },
    # the estimator (a pipeline's transforms) runs here with its own checks
    prefer_skip_nested_validation=False,
)
def grad_cam(estimator, X, *, class_name="covid", layer=None, batch_size=32):
    """Grad-CAM heatmaps: where the network finds evidence for ``class_name``.

    For each image, the gradient of the class *logit* (before the softmax)
    with respect to a convolutional layer's activations is averaged over space
    to weigh each channel; the weighted sum of the channels, passed through
    ReLU, is upsampled bilinearly to the image size and divided by its
    maximum (Selvaraju et al., 2017). Images go through the network in
    batches through one gradient model, built and compiled once per network,
    layer and class.

    Parameters
    ----------
    estimator : CXRClassifier or Pipeline
        A fitted :class:`~skcxr.CXRClassifier`, or a fitted Pipeline ending
        in one; all steps but the last are applied to ``X`` as transforms, so
        a pipeline starting with :class:`~skcxr.XRayLoader` takes paths.
    X : array of shape (n_samples, height, width, channels), or what the pipeline takes
        Images as for ``predict_proba`` (float in [0, 1] or uint8).
    class_name : str, default="covid"
        Class whose evidence is shown, one of ``classes_``.
    layer : str, default=None
        Name of the layer whose activations are weighted. None: the last
        convolutional layer before the global pooling / flatten (see
        :func:`find_conv_layers`), which works for any flat registered
        architecture.
    batch_size : int, default=32
        Images per gradient computation.

    Returns
    -------
    heatmaps : ndarray of shape (n_samples, height, width), float32
        One map per image in [0, 1] at the input resolution (of the array
        the network receives). An image without positive evidence for the
        class gets a map of zeros.

    Raises
    ------
    ValueError
        Unknown ``class_name`` (lists ``classes_``), unknown or non-spatial
        ``layer`` (lists the convolutional layers), images of the wrong size.

    See Also
    --------
    lung_focus : Share of a heatmap's mass inside a region.
    skcxr.plotting.plot_grad_cam : Heatmaps overlaid on the X-rays.

    Examples
    --------
    >>> import numpy as np
    >>> from skcxr import CXRClassifier
    >>> from skcxr.explain import grad_cam
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(0, 0.2, size=(40, 32, 32, 1)).astype("float32")
    >>> y = np.array(["covid", "non-covid"] * 20)
    >>> X[y == "covid", 8:24, 8:24] += 0.7
    >>> clf = CXRClassifier("small_cnn", epochs=2, batch_size=8, random_state=0).fit(X, y)
    >>> maps = grad_cam(clf, X[:4])
    >>> maps.shape
    (4, 32, 32)
    >>> bool(maps.min() >= 0 and maps.max() <= 1)
    True
    """
    import tensorflow as tf

    clf, X = _resolve_estimator(estimator, X)
    index = _class_index(clf, class_name)
    model = clf.model_
    target = _target_layer(model, layer)
    X = _as_images(clf, X, model)
    height, width = X.shape[1:3]
    if len(X) == 0:
        return np.zeros((0, height, width), dtype=np.float32)

    cam_fn = _make_cam_fn(model, target, index)
    maps = []
    for start in range(0, len(X), batch_size):
        cam = cam_fn(tf.convert_to_tensor(X[start:start + batch_size]))
        cam = tf.image.resize(cam[..., tf.newaxis], (height, width), method="bilinear")[..., 0]
        peak = tf.reduce_max(cam, axis=(1, 2), keepdims=True)
        cam = tf.math.divide_no_nan(cam, peak)
        maps.append(np.clip(cam.numpy(), 0.0, 1.0))
    return np.concatenate(maps).astype(np.float32, copy=False)
