"""Process-wide caches of :class:`~skcxr.features.XRayEmbedder`: the Keras
feature models (one per configuration) and the features of each image.

Features are keyed by the embedder's configuration and a hash of each image
row's bytes (shape and dtype included), so the same image embedded again --
in another cross-validation fold, for another head candidate of a grid
search, through a clone or an unpickled copy -- is looked up, not recomputed.
The caches live in this process only: joblib workers (``n_jobs > 1``) each
fill their own.
"""

import hashlib
import threading

import numpy as np

_LOCK = threading.Lock()
_MODELS = {}  # config key -> keras.Model
_FEATURES = {}  # config key -> {image digest -> float32 feature vector}
_STATS = {"embedded": 0, "hits": 0, "disk_hits": 0}


def image_digests(X):
    """One hex digest per image row (bytes, shape and dtype)."""
    X = np.ascontiguousarray(X)
    header = f"{X.shape[1:]}|{X.dtype.str}".encode()
    return [hashlib.blake2b(header + row.tobytes(), digest_size=16).hexdigest() for row in X]


def get_model(key, build):
    """The model cached under ``key``, built with ``build()`` on first use."""
    with _LOCK:
        model = _MODELS.get(key)
    if model is None:
        model = build()
        with _LOCK:
            model = _MODELS.setdefault(key, model)
    return model


def lookup(key, digests):
    """Cached rows for ``digests`` (None where missing)."""
    with _LOCK:
        store = _FEATURES.get(key, {})
        found = [store.get(d) for d in digests]
        _STATS["hits"] += sum(f is not None for f in found)
    return found


def store(key, digests, features):
    """Keep ``features`` under ``digests`` (None: count them only)."""
    with _LOCK:
        if digests is not None:
            table = _FEATURES.setdefault(key, {})
            for digest, row in zip(digests, features):
                table[digest] = row
        _STATS["embedded"] += len(features)


def store_only(key, digests, features):
    """Keep ``features`` under ``digests`` without counting them as embedded."""
    with _LOCK:
        table = _FEATURES.setdefault(key, {})
        for digest, row in zip(digests, features):
            table[digest] = row


def count_disk_hits(n):
    with _LOCK:
        _STATS["disk_hits"] += n


def embedding_stats():
    """Counters of this process since the last :func:`clear_feature_cache`.

    Returns
    -------
    dict
        ``"embedded"``: images run through a network (the expensive part);
        ``"cache_hits"``: images whose features came from the cache in
        memory; ``"disk_hits"``: from the on-disk cache (``cache_dir``);
        ``"cached_images"``: feature vectors held; ``"models"``: feature
        models built.

    Examples
    --------
    >>> from skcxr.features import clear_feature_cache, embedding_stats
    >>> clear_feature_cache()
    >>> embedding_stats()
    {'embedded': 0, 'cache_hits': 0, 'disk_hits': 0, 'cached_images': 0, 'models': 0}
    """
    with _LOCK:
        return {
            "embedded": _STATS["embedded"],
            "cache_hits": _STATS["hits"],
            "disk_hits": _STATS["disk_hits"],
            "cached_images": sum(len(t) for t in _FEATURES.values()),
            "models": len(_MODELS),
        }


def clear_feature_cache(models=True):
    """Forget cached features (and, with ``models=True``, the feature models)
    and reset the counters of :func:`embedding_stats`.

    Parameters
    ----------
    models : bool, default=True
        Also drop the built Keras models.
    """
    with _LOCK:
        _FEATURES.clear()
        if models:
            _MODELS.clear()
        _STATS.update(embedded=0, hits=0, disk_hits=0)
