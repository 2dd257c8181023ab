"""skcxr's default pipeline: image paths -> probabilities in one estimator."""

from sklearn.pipeline import Pipeline

#: Provisional defaults of :func:`make_default_pipeline`, per step. They are
#: kept here, in one place, and are to be set by the accuracy and shortcut
#: benchmarks (``benchmarks/README.md``).
DEFAULT_PARAMS = {
    "loader": {
        "size": (128, 128),
        "color_mode": "grayscale",
        "resize": "crop",
        "dtype": "float32",
    },
    "normalizer": {"method": "clahe"},
    "classifier": {
        "architecture": "five_block",
        "optimizer": "adam",
        "learning_rate": 1e-3,
        "epochs": 25,
        "batch_size": 32,
        "class_weight": "balanced",
        "validation_split": 0.1,
        "early_stopping": 5,
        "augmentation": True,
    },
}


def make_default_pipeline(**params):
    """The recommended pipeline: loader, contrast normaliser, CNN classifier.

    ``Pipeline([("loader", XRayLoader), ("normalizer", XRayNormalizer),
    ("classifier", CXRClassifier)])`` with the defaults of
    :data:`DEFAULT_PARAMS`: grayscale, centre crop to 128 px, CLAHE, the
    five-block CNN trained with Adam for up to 25 epochs with balanced class
    weights, on-the-fly augmentation and early stopping on a 10 % stratified
    validation split. It takes image paths (or a table with a ``path``
    column) and labels ``"covid"`` / ``"non-covid"``.

    Parameters
    ----------
    **params
        Nested parameters applied with ``set_params``, e.g.
        ``classifier__epochs=3`` or ``loader__size=(64, 64)``.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted.

    Examples
    --------
    >>> from skcxr import make_default_pipeline
    >>> pipe = make_default_pipeline(classifier__epochs=3, classifier__random_state=0)
    >>> list(pipe.named_steps)
    ['loader', 'normalizer', 'classifier']
    >>> pipe.get_params()["classifier__epochs"]
    3
    """
    from .classifier import CXRClassifier
    from .preprocessing import XRayLoader, XRayNormalizer

    pipe = Pipeline(
        [
            ("loader", XRayLoader(**DEFAULT_PARAMS["loader"])),
            ("normalizer", XRayNormalizer(**DEFAULT_PARAMS["normalizer"])),
            ("classifier", CXRClassifier(**DEFAULT_PARAMS["classifier"])),
        ]
    )
    if params:
        pipe.set_params(**params)
    return pipe
