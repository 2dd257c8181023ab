"""On-the-fly augmentation of training batches: seeded affine transforms in tf.data."""

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


def draw_transforms(spec, shape, n, rng):
    """``n`` random affine transforms for images of ``shape`` ``(height, width)``.

    Each is one rotation (uniform in +-``rotation`` degrees), zoom (scale
    uniform in 1 +- ``zoom``) and shift (uniform in +-``shift`` of the height
    and width) about the image centre, composed into one matrix in the
    ``[a0, a1, a2, b0, b1, b2, c0, c1]`` form of
    :func:`keras.ops.image.affine_transform` (output pixel -> input pixel).
    Drawn from the NumPy generator ``rng`` only: the draws depend on the seed
    and on nothing else (no TensorFlow state, no thread order).

    Returns
    -------
    transforms : ndarray of shape (n, 8), float32
    """
    import numpy as np

    height, width = shape
    angle = np.deg2rad(spec["rotation"]) * rng.uniform(-1, 1, n)
    scale = 1.0 + spec["zoom"] * rng.uniform(-1, 1, n)  # > 1 samples a larger area: zoom out
    tx, ty = (spec["shift"] * side * rng.uniform(-1, 1, n) for side in (width, height))
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    a0, a1 = scale * np.cos(angle), scale * np.sin(angle)
    b0, b1 = -a1, a0
    # input = M @ (output - centre - shift) + centre, M = scale * R(-angle)
    a2 = cx - a0 * (cx + tx) - a1 * (cy + ty)
    b2 = cy - b0 * (cx + tx) - b1 * (cy + ty)
    zeros = np.zeros(n)
    return np.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1).astype(np.float32)


def augment_batch(images, transforms, fill_mode="constant"):
    """Apply one affine transform per image (bilinear, one resampling pass).

    ``images``: a batch ``(n, height, width, channels)``; ``transforms``: ``(n,
    8)`` from :func:`draw_transforms`. Stateless: the same inputs give the same
    output in any thread and any order, so batches augment in parallel.
    """
    from keras import ops

    images = ops.cast(images, "float32")
    return ops.image.affine_transform(images, transforms, interpolation="bilinear",
                                      fill_mode=fill_mode, fill_value=0.0)


def training_dataset(X, y, sample_weight, *, batch_size, epochs, seed, augment=None,
                     augment_seed=None):
    """A batched ``tf.data.Dataset`` covering ``epochs`` shuffled passes over the data.

    Each pass visits the images in its own order, a permutation drawn from
    ``numpy.random.RandomState(seed)``; nothing depends on TensorFlow's (or
    any other) global seed. With ``augment`` (a spec of
    :func:`check_augmentation`), every image of every pass gets its own affine
    transform, drawn up front from ``numpy.random.RandomState(augment_seed)``
    and applied by :func:`augment_batch` in tf.data's parallel map, which
    keeps the batch order: the network trains while the next batches are
    gathered and augmented, and a fit is bit-for-bit repeatable. Fit with
    ``steps_per_epoch=ceil(len(X) / batch_size)`` so that Keras keeps one
    iterator over all the passes.

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
    if augment is None:
        ds = tf.data.Dataset.from_tensor_slices(orders).flat_map(
            lambda order: tf.data.Dataset.from_tensor_slices(order).batch(batch_size))

        def take(index):
            return tuple(tf.gather(t, index) for t in tensors)
    else:
        # one transform per (pass, position in that pass), in the order trained
        aug_rng = np.random.RandomState(augment_seed)
        transforms = np.stack([draw_transforms(augment, X.shape[1:3], n, aug_rng)
                               for _ in range(epochs)])
        ds = tf.data.Dataset.from_tensor_slices((orders, transforms)).flat_map(
            lambda order, tr: tf.data.Dataset.from_tensor_slices((order, tr)).batch(batch_size))
        fill = augment["fill_mode"]

        def take(index, tr):
            x, *rest = (tf.gather(t, index) for t in tensors)
            return (augment_batch(x, tr, fill), *rest)

    # Stateless per batch: parallel, and deterministic=True keeps the order.
    ds = ds.map(take, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE), -(-n // batch_size)
