"""Features of X-ray images for scikit-learn models.

:class:`XRayEmbedder` turns images into frozen ImageNet features of a
backbone of :mod:`skcxr.architectures`; any scikit-learn classifier can then
be trained on them in seconds. Features are cached per image in this process
(:func:`embedding_stats`, :func:`clear_feature_cache`).
:class:`ChunkedTransformer` runs the image steps on chunks of paths, so that
memory follows the chunk, not the dataset.
"""

from ._cache import clear_feature_cache, embedding_stats
from ._chunked import ChunkedTransformer
from ._embedder import POOLINGS, XRayEmbedder

__all__ = ["POOLINGS", "ChunkedTransformer", "XRayEmbedder", "clear_feature_cache",
           "embedding_stats"]
