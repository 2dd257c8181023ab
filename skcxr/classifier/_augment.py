"""On-the-fly augmentation of training batches with Keras preprocessing layers."""

import numbers

#: Used for ``augmentation=True``: small rotations (degrees), zooms and shifts
#: (fractions of the image size). No flips: left and right differ on a
#: chest X-ray (heart, lettering).
DEFAULT_AUGMENTATION = {"rotation": 10.0, "zoom": 0.1, "shift": 0.05}
_KEYS = {"rotation", "zoom", "shift", "fill_mode"}
_FILL_MODES = {"constant", "reflect", "wrap", "nearest"}


def check_augmentation(augmentation):
    """Validate ``augmentation`` and return a complete dict, or None for off.

    Parameters
    ----------
    augmentation : None, bool or dict
        None / False: no augmentation. True: :data:`DEFAULT_AUGMENTATION`.
        A dict with any of ``rotation`` (max degrees), ``zoom`` (max
        fraction), ``shift`` (max fraction of height / width) and
        ``fill_mode`` (Keras fill mode, default ``"constant"``, i.e. black);
        missing amounts are 0 (off).

    Returns
    -------
    dict or None
    """
    if augmentation is None or augmentation is False:
        return None
    if augmentation is True:
        augmentation = DEFAULT_AUGMENTATION
    if not isinstance(augmentation, dict):
        raise ValueError(
            f"augmentation must be None, a bool or a dict with keys {sorted(_KEYS)}, "
            f"got {augmentation!r}"
        )
    unknown = set(augmentation) - _KEYS
    if unknown:
        raise ValueError(
            f"augmentation: unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}"
        )
    spec = {"rotation": 0.0, "zoom": 0.0, "shift": 0.0, "fill_mode": "constant"}
    spec.update(augmentation)
    for key, upper in (("rotation", 180.0), ("zoom", 1.0), ("shift", 1.0)):
        value = spec[key]
        if not isinstance(value, numbers.Real) or not 0 <= value < upper:
            raise ValueError(f"augmentation[{key!r}] must lie in [0, {upper}), got {value!r}")
    if spec["fill_mode"] not in _FILL_MODES:
        raise ValueError(
            f"augmentation['fill_mode'] must be one of {sorted(_FILL_MODES)}, "
            f"got {spec['fill_mode']!r}"
        )
    if not (spec["rotation"] or spec["zoom"] or spec["shift"]):
        return None
    return spec


def make_augmenter(spec):
    """A ``keras.Sequential`` of random layers for a spec from :func:`check_augmentation`.

    The layers are random only when called with ``training=True``; they are
    applied to training batches, never inside the classifier's model.
    """
    import keras
    from keras import layers

    fill = spec["fill_mode"]
    stack = []
    if spec["rotation"]:
        stack.append(layers.RandomRotation(spec["rotation"] / 360.0, fill_mode=fill))
    if spec["zoom"]:
        stack.append(layers.RandomZoom(spec["zoom"], fill_mode=fill))
    if spec["shift"]:
        stack.append(layers.RandomTranslation(spec["shift"], spec["shift"], fill_mode=fill))
    return keras.Sequential(stack, name="augmentation")


def training_dataset(X, y, sample_weight, *, batch_size, epochs, seed, augmenter=None):
    """A batched ``tf.data.Dataset`` covering ``epochs`` shuffled passes over the data.

    Each pass visits the images in its own order, a permutation drawn from
    ``numpy.random.RandomState(seed)``; nothing depends on TensorFlow's (or
    any other) global seed. Batches of training images pass ``augmenter``
    (if not None). Fit with ``steps_per_epoch=ceil(len(X) / batch_size)``
    so that Keras keeps one iterator over all the passes.

    Returns
    -------
    dataset : tf.data.Dataset
    steps_per_epoch : int
    """
    import numpy as np
    import tensorflow as tf

    n = len(X)
    rng = np.random.RandomState(seed)
    orders = np.stack([rng.permutation(n) for _ in range(epochs)]).astype(np.int64)
    tensors = tuple(
        tf.convert_to_tensor(t) for t in ((X, y) if sample_weight is None else (X, y, sample_weight))
    )
    ds = tf.data.Dataset.from_tensor_slices(orders).flat_map(
        lambda order: tf.data.Dataset.from_tensor_slices(order).batch(batch_size)
    )

    def take(index):
        return tuple(tf.gather(t, index) for t in tensors)

    # Gathering is stateless: parallel (order kept). Augmenting advances the
    # random layers' seed state: sequential, so the draws follow the batches.
    ds = ds.map(take, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if augmenter is not None:
        ds = ds.map(lambda x, *rest: (augmenter(x, training=True), *rest))
    return ds.prefetch(tf.data.AUTOTUNE), -(-n // batch_size)
