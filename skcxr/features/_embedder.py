"""XRayEmbedder: frozen ImageNet features of X-ray images as a transformer."""

import os
import sys
import time
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import TransformerTags
from sklearn.utils._param_validation import Interval

from ..utils._files import hashed_file
from . import _cache, _disk, _model
from . import _checks
from ._checks import check_images as _check_images, pooling_parts as _pooling_parts

#: The elementary poolings of :class:`XRayEmbedder`; a ``pooling`` value is one
#: of them or several joined with ``"+"`` (e.g. ``"avg+max"``, ``"avg+grid"``).
POOLINGS = _checks.POOLINGS
#: Feature-name suffixes of the cells of ``"grid"`` pooling, in output order.
GRID_CELLS = ("tl", "tr", "bl", "br")
#: ``verbose`` reports progress when more images than this go through the network.
PROGRESS_MIN_IMAGES = 256
# Images converted to float32 and run through the network at a time.
PROGRESS_CHUNK = 256


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
    cache_dir : str, path-like or None, default=None
        Also keep features on disk in this folder, shared by every process
        and Dask worker that uses it (a second grid search, a notebook
        restart): one small file per image, keyed by the image's bytes (so by
        the file and every preprocessing step before the embedder), the
        backbone, the sha256 of its weights, the layers, pooling, ``flip``
        and channels. Files are written atomically and checksummed: a writer
        killed mid-way leaves nothing a reader trusts. Never cleaned by skcxr:
        delete the folder to free the space (the recipe: 16 KB per image).
    verbose : int, default=1
        ``>0`` prints progress lines to stderr when more than
        :data:`PROGRESS_MIN_IMAGES` images go through the network in one call
        (at 320 px a 2-core CPU embeds ~40 images/s); ``0`` is silent.

    Attributes
    ----------
    n_features_out_ : int
        Length of a feature vector (set by ``fit``).

    Notes
    -----
    A fitted embedder saved with pickle, joblib or skops carries the
    backbone's weights (MobileNetV2: 2.2 M float32 values, ~9 MB; the
    pretrained recipe saves to ~9 MB), so it predicts in a process that has no
    ``$SKCXR_WEIGHTS`` and no network. The weights are checked by their sha256
    when loaded. An unfitted embedder, or one with ``weights=None``, pickles
    as its parameters only. :meth:`get_feature_names_out` needs no network
    for a fitted embedder, nor for MobileNetV2's ReLU layers.

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

    _parameter_constraints = {
        "backbone": [str],  # one of BACKBONES: checked at fit, the registry can grow
        "weights": [None, str, os.PathLike],
        "layer": [None, str, list, tuple],
        "pooling": [str, list, tuple],
        "flip": ["boolean"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "cache": ["boolean"],
        "cache_dir": [None, str, os.PathLike],
        "verbose": ["verbose"],
    }

    def __init__(self, backbone="mobilenet_v2", weights="imagenet", layer=None, pooling="avg",
                 flip=False, batch_size=32, cache=True, cache_dir=None, verbose=1):
        self.backbone = backbone
        self.weights = weights
        self.layer = layer
        self.pooling = pooling
        self.flip = flip
        self.batch_size = batch_size
        self.cache = cache
        self.cache_dir = cache_dir
        self.verbose = verbose

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

    def _check_params(self):
        """sklearn's constraints, then the rules they cannot say; ``(layers, poolings)``."""
        from ..architectures import BACKBONES

        self._validate_params()
        if self.backbone not in BACKBONES:
            raise ValueError(
                f"unknown backbone {self.backbone!r}; available: {sorted(BACKBONES)}"
            )
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

    def _weights_token(self):
        """How the weights are found: None, ``"sha256:<digest>"`` (carried) or ``"file:<path>"``."""
        if self.weights is None:
            return None
        carried = getattr(self, "_carried_weights", None)
        if (carried is not None and carried[:2] == (self.backbone, str(self.weights))
                and _model.has_arrays(carried[2])):
            return "sha256:" + carried[2]
        from ..architectures import resolve_weights

        return "file:" + str(resolve_weights(self.backbone, self.weights).resolve())

    def _config_key(self, channels):
        layers, poolings = self._check_params()
        return (self.backbone, self._weights_token(), layers, poolings, int(channels))

    # ------------------------------------------------------------- names
    def _layout(self, key=None):
        """``((layer, width, poolings), ...)``: from fit, a known table, or the model."""
        layers, poolings = self._check_params()
        fitted = getattr(self, "_fitted_layout", None)
        if fitted is not None and fitted[0] == (self.backbone, layers, poolings):
            return fitted[1]
        known = _model.known_layout(self.backbone, layers, poolings)
        if known is not None:
            return known
        if key is None:
            key = self._config_key(getattr(self, "_n_channels", 1))
        return _model.feature_model(key)._skcxr_layout

    @staticmethod
    def _names(layout):
        names = []
        for layer_name, width, pools in layout:
            for pool in pools:
                cells = [f"grid_{cell}" for cell in GRID_CELLS] if pool == "grid" else [pool]
                names += [f"{layer_name}_{cell}{i}" for cell in cells for i in range(width)]
        return np.asarray(names, dtype=object)

    # ------------------------------------------------------------ sklearn
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and images; learn nothing.

        Builds (or finds) the feature model, so that a missing layer or
        weights file is reported here, not at the first ``transform``. With
        ``cache_dir`` and a backbone whose layers skcxr knows, the network is
        built only when an image is not on disk (a missing file or unknown
        layer is still reported here).

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
        key = self._config_key(self._n_channels)  # resolves (and checks) the weights file
        layout = None
        if self.cache_dir is not None:  # everything may be on disk: build the network lazily
            layout = _model.known_layout(self.backbone, key[2], key[3])
        if layout is None:
            layout = _model.feature_model(key)._skcxr_layout
        self._fitted_layout = ((self.backbone,) + key[2:4], layout)
        self.n_features_out_ = len(self._names(layout))
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
        folder = self._disk_folder(key) if missing and self.cache_dir is not None else None
        if folder is not None:
            if digests is None:
                digests = _cache.image_digests(X)
            width = sum(w * (4 if p == "grid" else 1)
                        for _, w, pools in self._layout(key) for p in pools)
            on_disk = _disk.read(folder, [digests[i] for i in missing], width)
            hits = [i for i, row in zip(missing, on_disk) if row is not None]
            for i, row in zip(missing, on_disk):
                found[i] = row
            _cache.count_disk_hits(len(hits))
            if self.cache and hits:
                _cache.store_only(feature_key, [digests[i] for i in hits], [found[i] for i in hits])
            missing = [i for i in missing if found[i] is None]
        if missing:
            features = self._embed(key, X, missing)
            for i, row in zip(missing, features):
                found[i] = row
            _cache.store(feature_key, [digests[i] for i in missing] if self.cache else None,
                         features)
            if folder is not None:
                _disk.write(folder, [digests[i] for i in missing], features)
        return np.stack(found).astype(np.float32, copy=False)

    def _disk_folder(self, key):
        """``cache_dir/<digest of the configuration>``, weights named by their sha256."""
        backbone, token, layers, poolings, channels = key
        if token is None:  # random weights drawn with seed 0 by this Keras
            import keras

            weights = f"random-seed-0-keras-{keras.__version__}"
        elif token.startswith("file:"):  # noted once per file: no network to build here
            weights = _disk.weights_digest(self.cache_dir, backbone,
                                           hashed_file(token[len("file:"):]),  # once
                                           lambda: _model.backbone_arrays(backbone, token)[0])
        else:
            weights = _model.backbone_arrays(backbone, token)[0]
        digest = _disk.config_digest([backbone, weights, layers, poolings, channels,
                                      bool(self.flip)])
        return os.path.join(os.fspath(self.cache_dir), digest)

    def _embed(self, key, X, rows):
        """Features of ``X[rows]``, a chunk at a time (memory: one chunk of float32 images)."""
        from ..utils._runtime import configure_tf_threads

        configure_tf_threads()
        model = _model.feature_model(key)
        chunk = max(PROGRESS_CHUNK, self.batch_size)
        out = np.empty((len(rows), model.output.shape[-1]), dtype=np.float32)
        show = self.verbose and len(rows) > PROGRESS_MIN_IMAGES
        start, next_report = time.perf_counter(), 0.0
        for begin in range(0, len(rows), chunk):
            part = X[rows[begin:begin + chunk]]
            part = part.astype(np.float32) / np.float32(255) if part.dtype == np.uint8 \
                else part.astype(np.float32, copy=False)
            features = model.predict(part, batch_size=self.batch_size, verbose=0)
            if self.flip:
                mirrored = np.ascontiguousarray(part[:, :, ::-1])
                features = (features + model.predict(mirrored, batch_size=self.batch_size,
                                                     verbose=0)) / 2
            done = begin + len(part)
            out[begin:done] = features
            if show and (done / len(rows) >= next_report or done == len(rows)):
                elapsed = time.perf_counter() - start
                print(f"[XRayEmbedder] {done}/{len(rows)} images embedded "
                      f"({elapsed:.1f} s, {done / max(elapsed, 1e-9):.1f} img/s)",
                      file=sys.stderr, flush=True)
                next_report = done / len(rows) + 0.1
        return out

    def get_feature_names_out(self, input_features=None):
        """Names ``<layer>_<pooling><index>``, e.g. ``out_relu_avg0``.

        Needs no network for a fitted embedder (its layout is kept) nor for
        the ReLU layers of MobileNetV2; otherwise the feature model is built.

        Parameters
        ----------
        input_features : ignored
            Images have no input feature names.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output column.
        """
        return self._names(self._layout())

    # ------------------------------------------------------- persistence
    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_carried_weights", None)
        if hasattr(self, "n_features_out_") and self.weights is not None:
            token = self._weights_token()
            digest, arrays = _model.backbone_arrays(self.backbone, token)
            state["_backbone_weights"] = {
                "backbone": self.backbone, "weights": str(self.weights), "sha256": digest,
                "arrays": list(arrays)}
        return state

    def __setstate__(self, state):
        carried = state.pop("_backbone_weights", None)
        if carried is not None:
            digest = _model.register_arrays(carried["arrays"], carried["sha256"])
            state["_carried_weights"] = (carried["backbone"], carried["weights"], digest)
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags = TransformerTags(preserves_dtype=["float32"])
        tags.input_tags.two_d_array = False  # images: (n, height, width, channels)
        tags.input_tags.allow_nan = False
        tags.input_tags.positive_only = True
        tags.non_deterministic = False
        return tags
