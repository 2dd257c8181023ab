"""Features of X-ray images for scikit-learn models.

:class:`XRayEmbedder` turns images into frozen ImageNet features of a
backbone of :mod:`skcxr.architectures`; any scikit-learn classifier can then
be trained on them in seconds. Features are cached per image in this process
(:func:`embedding_stats`, :func:`clear_feature_cache`).
"""

from ._cache import clear_feature_cache, embedding_stats
from ._embedder import POOLINGS, XRayEmbedder

__all__ = ["POOLINGS", "XRayEmbedder", "clear_feature_cache", "embedding_stats"]
