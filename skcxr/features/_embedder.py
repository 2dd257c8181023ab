"""XRayEmbedder: frozen ImageNet features of X-ray images as a transformer."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import TransformerTags

from ..utils._images import check_image_array
from . import _cache

#: The elementary poolings of :class:`XRayEmbedder`; a ``pooling`` value is one
#: of them or several joined with ``"+"`` (e.g. ``"avg+max"``, ``"avg+grid"``).
POOLINGS = ("avg", "max", "grid")
#: Feature-name suffixes of the cells of ``"grid"`` pooling, in output order.
GRID_CELLS = ("tl", "tr", "bl", "br")


def _pooling_parts(pooling):
    """``"avg+grid"`` -> ``("avg", "grid")``; raises naming the bad value."""
    parts = tuple(pooling.split("+")) if isinstance(pooling, str) else ()
    if not parts or any(p not in POOLINGS for p in parts) or len(set(parts)) != len(parts):
        raise ValueError(
            f"pooling must be one of {POOLINGS} or several joined with '+' (e.g. 'avg+grid'), "
            f"got {pooling!r}"
        )
    return parts


def _check_images(X):
    """Images (n, h, w, c), c in {1, 3}: uint8 as is, float as float32 in [0, 1]."""
    X = check_image_array(X, caller="XRayEmbedder")
    return X if X.dtype == np.uint8 else X.astype(np.float32, copy=False)


class XRayEmbedder(TransformerMixin, BaseEstimator):
    """Frozen ImageNet features of X-ray images: (n, h, w, c) -> (n, d) float32.

    Runs a pretrained backbone of :mod:`skcxr.architectures`
    (``keras.applications``, include_top=False) on each image and globally
    pools the feature map of ``layer``. Stateless: nothing is learned, so
    ``fit`` only validates and a :class:`~sklearn.model_selection.GridSearchCV`
    over the head after it is cheap.

    The Keras model is built lazily, once per process and configuration, and
    never stored on the estimator: the embedder pickles and clones as a few
    parameters. Features are cached per image (hash of its bytes) and
    configuration in this process (:func:`embedding_stats` counts the images
    really run through the network; :func:`clear_feature_cache` empties it),
    so every image is embedded once however many folds and candidates see it.

    Parameters
    ----------
    backbone : str, default="mobilenet_v2"
        A backbone of :data:`skcxr.architectures.BACKBONES`.
    weights : None, "imagenet" or path-like, default="imagenet"
        See :func:`skcxr.architectures.resolve_weights` (``"imagenet"`` reads
        ``$SKCXR_WEIGHTS`` first). None gives random features (for tests),
        always the same ones (drawn with seed 0).
    layer : str, sequence of str or None, default=None
        Name(s) of the backbone layer(s) whose feature maps are pooled (the
        pooled vectors are concatenated in the order given). None: the last
        layer. Keras' names, e.g. ``"block_13_expand_relu"`` for MobileNetV2.
    pooling : str or sequence of str, default="avg"
        Pooling of each feature map: ``"avg"`` (global average), ``"max"``
        (global maximum), ``"grid"`` (the average of each quadrant, 4 x the
        channels: keeps left / right and upper / lower), or several joined
        with ``"+"`` and concatenated in that order (``"avg+grid"``). One value
        for every layer, or a sequence with one value per ``layer``.
    flip : bool, default=False
        Average each image's features with those of its left-right mirror
        (test-time augmentation; twice the network time).
    batch_size : int, default=32
        Images per forward pass.
    cache : bool, default=True
        Look up and store features in the per-process cache.

    Attributes
    ----------
    n_features_out_ : int
        Length of a feature vector (set by ``fit``).

    See Also
    --------
    skcxr.make_pretrained_pipeline : loader, normaliser, this embedder and a
        logistic regression.

    Examples
    --------
    >>> import numpy as np
    >>> from skcxr.features import XRayEmbedder
    >>> X = np.random.RandomState(0).rand(4, 32, 32, 1).astype("float32")
    >>> emb = XRayEmbedder(weights=None, layer="block_3_expand_relu")
    >>> F = emb.fit_transform(X)
    >>> F.shape, F.dtype
    ((4, 144), dtype('float32'))
    >>> emb.get_feature_names_out()[:2].tolist()
    ['block_3_expand_relu_avg0', 'block_3_expand_relu_avg1']
    """

    def __init__(self, backbone="mobilenet_v2", weights="imagenet", layer=None, pooling="avg",
                 flip=False, batch_size=32, cache=True):
        self.backbone = backbone
        self.weights = weights
        self.layer = layer
        self.pooling = pooling
        self.flip = flip
        self.batch_size = batch_size
        self.cache = cache

    # ------------------------------------------------------------ params
    def _layers(self):
        if self.layer is None:
            return (None,)
        if isinstance(self.layer, str):
            return (self.layer,)
        layers = tuple(self.layer)
        if not layers or not all(isinstance(n, str) and n for n in layers):
            raise ValueError(
                f"layer must be None, a layer name or a non-empty sequence of names, "
                f"got {self.layer!r}"
            )
        return layers

    def _validate_params(self):
        from ..architectures import BACKBONES

        if self.backbone not in BACKBONES:
            raise ValueError(
                f"unknown backbone {self.backbone!r}; available: {sorted(BACKBONES)}"
            )
        if not isinstance(self.batch_size, numbers.Integral) or isinstance(self.batch_size, bool) \
                or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        for name in ("flip", "cache"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        layers = self._layers()
        return layers, self._poolings(layers)

    def _poolings(self, layers):
        """One tuple of elementary poolings per layer."""
        if isinstance(self.pooling, str):
            return (_pooling_parts(self.pooling),) * len(layers)
        poolings = list(self.pooling) if isinstance(self.pooling, (list, tuple)) else None
        if poolings is None or len(poolings) != len(layers):
            raise ValueError(
                f"pooling must be a string or a sequence with one value per layer "
                f"({len(layers)}: {list(layers)}), got {self.pooling!r}; set it with the "
                f"layers (e.g. pooling='avg' for every layer)"
            )
        return tuple(_pooling_parts(p) for p in poolings)

    def _config_key(self, channels):
        from ..architectures import resolve_weights

        layers, poolings = self._validate_params()
        path = resolve_weights(self.backbone, self.weights)
        weights = None if path is None else str(path.resolve())
        return (self.backbone, weights, layers, poolings, int(channels))

    # ------------------------------------------------------------- model
    def _model(self, key):
        def build():
            backbone, weights, layers, poolings, channels = key
            return _feature_model(backbone, weights, layers, poolings, channels)

        return _cache.get_model(key, build)

    def _names(self, key):
        model = self._model(key)
        names = []
        for layer_name, width, pools in zip(model._skcxr_layers, model._skcxr_widths,
                                            model._skcxr_poolings):
            for pool in pools:
                cells = [f"grid_{cell}" for cell in GRID_CELLS] if pool == "grid" else [pool]
                names += [f"{layer_name}_{cell}{i}" for cell in cells for i in range(width)]
        return np.asarray(names, dtype=object)

    # ------------------------------------------------------------ sklearn
    def fit(self, X, y=None):
        """Validate the parameters and images; learn nothing.

        Parameters
        ----------
        X : array of shape (n_samples, height, width, channels)
            uint8 images (0..255) or float images in [0, 1].
        y : None
            Ignored; present for the scikit-learn API.

        Returns
        -------
        self : XRayEmbedder
            The embedder itself (nothing is learnt).
        """
        X = _check_images(X)
        self._n_channels = int(X.shape[-1])
        self.n_features_out_ = len(self._names(self._config_key(self._n_channels)))
        return self

    def transform(self, X):
        """Features of each image, in order.

        Parameters
        ----------
        X : array of shape (n_samples, height, width, channels)
            uint8 images (0..255) or float images in [0, 1].

        Returns
        -------
        features : ndarray of shape (n_samples, n_features), float32
            The pooled features of the chosen layers, joined per image.
        """
        X = _check_images(X)
        key = self._config_key(X.shape[-1])
        feature_key = key + (bool(self.flip),)  # same model, other features
        digests = _cache.image_digests(X) if self.cache else None
        found = _cache.lookup(feature_key, digests) if self.cache else [None] * len(X)
        missing = [i for i, f in enumerate(found) if f is None]
        if missing:
            features = self._embed(key, X[missing])
            for i, row in zip(missing, features):
                found[i] = row
            _cache.store(feature_key, [digests[i] for i in missing] if self.cache else None,
                         features)
        return np.stack(found).astype(np.float32, copy=False)

    def _embed(self, key, X):
        from ..utils._runtime import configure_tf_threads

        configure_tf_threads()
        model = self._model(key)
        X = X.astype(np.float32) / np.float32(255) if X.dtype == np.uint8 \
            else X.astype(np.float32, copy=False)
        features = model.predict(X, batch_size=self.batch_size, verbose=0)
        if self.flip:
            mirrored = np.ascontiguousarray(X[:, :, ::-1])
            features = (features + model.predict(mirrored, batch_size=self.batch_size,
                                                 verbose=0)) / 2
        return np.asarray(features, dtype=np.float32)

    def get_feature_names_out(self, input_features=None):
        """Names ``<layer>_<pooling><index>``, e.g. ``out_relu_avg0``.

        Parameters
        ----------
        input_features : ignored
            Images have no input feature names.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output column.
        """
        return self._names(self._config_key(getattr(self, "_n_channels", 1)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags = TransformerTags(preserves_dtype=["float32"])
        tags.input_tags.two_d_array = False  # images: (n, height, width, channels)
        tags.input_tags.allow_nan = False
        tags.input_tags.positive_only = True
        tags.non_deterministic = False
        return tags


def _feature_model(backbone, weights, layers, poolings, channels):
    """A flat Keras model: images -> concatenated pooled maps of ``layers``."""
    import keras
    from keras import layers as kl

    from ..architectures import build_backbone
    from ..architectures._layers import GridAveragePooling2D

    from ..utils._seeding import seeded

    # random weights (weights=None) are drawn with a fixed seed: the same
    # features in every process and for every layer / pooling configuration
    with seeded(0):
        base = build_backbone(backbone, (None, None, channels), weights=weights, pooling=None)
    names = [base.layers[-1].name if name is None else name for name in layers]
    pooled, widths = [], []
    for name, pools in zip(names, poolings):
        try:
            out = base.get_layer(name).output
        except ValueError:
            available = [layer.name for layer in base.layers][2:]
            raise ValueError(
                f"backbone {backbone!r} has no layer {name!r}; its layers are e.g. "
                f"{available[:3]} ... {available[-3:]} (all {len(available)}: "
                f"skcxr.architectures.build_backbone({backbone!r}, ...).layers)"
            ) from None
        for pool in pools:
            layer = {"avg": kl.GlobalAveragePooling2D, "max": kl.GlobalMaxPooling2D,
                     "grid": GridAveragePooling2D}[pool]
            pooled.append(layer(name=f"{name}_{pool}_pool")(out))
        widths.append(int(out.shape[-1]))
    output = pooled[0] if len(pooled) == 1 else kl.Concatenate(name="features")(pooled)
    model = keras.Model(base.input, output, name=f"{backbone}_embedder")
    model.trainable = False
    model._skcxr_layers, model._skcxr_widths, model._skcxr_poolings = names, widths, poolings
    return model
