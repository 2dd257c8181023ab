"""skcxr's pretrained recipe: image paths -> frozen ImageNet features -> logistic regression."""

#: Defaults of :func:`make_pretrained_pipeline`, per step, chosen by
#: ``benchmarks/bench_pretrained.py`` (``benchmarks/README.md``): frozen
#: ImageNet MobileNetV2 features at 320 px (CLAHE): the map of a mid-level
#: layer (``block_13_expand_relu``, 576 channels) pooled globally and per
#: quadrant (``"avg+grid"``, 5 x 576: keeps left / right, upper / lower) and
#: the globally averaged last map (``out_relu``, 1280), averaged with those of
#: the mirrored image, standardised, and a balanced logistic regression with
#: C = 0.03 (flat between 0.01 and 0.1 in patient-grouped CV).
PRETRAINED_PARAMS = {
    "loader": {
        "size": (320, 320),
        "color_mode": "grayscale",
        "resize": "crop",
        "dtype": "uint8",
    },
    "normalizer": {"method": "clahe"},
    "embedder": {
        "backbone": "mobilenet_v2",
        "weights": "imagenet",
        "layer": ["block_13_expand_relu", "out_relu"],
        "pooling": ["avg+grid", "avg"],
        "flip": True,
    },
    "scaler": {},
    "classifier": {
        "C": 0.03,
        "class_weight": "balanced",
        "max_iter": 2000,
    },
}


def make_pretrained_pipeline(**params):
    """The recommended pretrained pipeline: frozen ImageNet features + logistic regression.

    ``Pipeline([("loader", XRayLoader), ("normalizer", XRayNormalizer),
    ("embedder", XRayEmbedder), ("scaler", StandardScaler),
    ("classifier", LogisticRegression)])`` with the defaults of
    :data:`PRETRAINED_PARAMS`. Like :func:`skcxr.make_default_pipeline` it
    takes image paths (or a table with a ``path`` column) and labels; it fits
    in seconds once the features exist (each image is embedded once per
    process, :func:`skcxr.features.embedding_stats`), which makes grid
    searches over the head (``classifier__C``) cheap.

    ``weights="imagenet"`` is found offline in ``$SKCXR_WEIGHTS`` (see
    :func:`skcxr.architectures.resolve_weights`).

    Parameters
    ----------
    **params
        Nested parameters applied with ``set_params``, e.g.
        ``classifier__C=0.1``, ``embedder__layer="out_relu"`` or
        ``memory=...``.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted.

    Examples
    --------
    >>> from skcxr import make_pretrained_pipeline
    >>> pipe = make_pretrained_pipeline(classifier__C=0.1)
    >>> list(pipe.named_steps)
    ['loader', 'normalizer', 'embedder', 'scaler', 'classifier']
    >>> pipe.get_params()["embedder__layer"]
    ['block_13_expand_relu', 'out_relu']
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from .features import XRayEmbedder
    from .preprocessing import XRayLoader, XRayNormalizer

    from .pipeline import _build_pipeline

    return _build_pipeline(
        [("loader", XRayLoader), ("normalizer", XRayNormalizer), ("embedder", XRayEmbedder),
         ("scaler", StandardScaler), ("classifier", LogisticRegression)],
        PRETRAINED_PARAMS, params,
    )
