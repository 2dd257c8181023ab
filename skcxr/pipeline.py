"""skcxr's default pipeline: image paths -> probabilities in one estimator."""

import copy

from sklearn.pipeline import Pipeline

#: Defaults of :func:`make_default_pipeline`, per step, chosen by measurement
#: (``benchmarks/README.md``: bench_accuracy, bench_shortcut and the
#: exploration table). Notes on the choices:
#:
#: * five_block's BatchNormalization with Keras' momentum 0.99 has too few
#:   steps on ~700 images to settle its inference statistics: the network
#:   predicted one class on held-out folds (accuracy 0.50) although its
#:   training loss fell; ``bn_momentum=0.9`` (five_block's default) fixes that.
#: * the study's head dropout (0.7, 0.5, 0.3) trains too slowly; 0.3 on
#:   every dense layer learns in the same epochs.
#: * early stopping on a 10 % validation split (~60 images) stopped at
#:   epoch 8 on a degenerate model; a fixed 40 epochs on all the training
#:   images with augmentation does better (no augmentation overfits).
#: * 128 px beats 96 px; CLAHE beats global histogram equalisation.
#:
#: These are also the constructor defaults of XRayLoader, XRayNormalizer and
#: CXRClassifier (tests/test_classifier_params.py checks that they agree),
#: so ``XRayLoader()`` alone already loads the measured way.
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
        "dropout": 0.3,
        "optimizer": "adam",
        "learning_rate": 1e-3,
        "epochs": 40,
        "batch_size": 32,
        "class_weight": "balanced",
        "validation_split": 0.0,
        "early_stopping": None,
        "augmentation": True,
    },
}


def make_default_pipeline(**params):
    """The recommended pipeline: loader, contrast normaliser, CNN classifier.

    ``Pipeline([("loader", XRayLoader), ("normalizer", XRayNormalizer),
    ("classifier", CXRClassifier)])`` with the defaults of
    :data:`DEFAULT_PARAMS`: grayscale, centre crop to 128 px, CLAHE, the
    five-block CNN (dropout 0.3 in the head) trained
    with Adam for 40 epochs with balanced class weights and on-the-fly
    augmentation, on all the training images (no validation split, no early
    stopping). It takes image paths (or a table with a ``path``
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

    return _build_pipeline(
        [("loader", XRayLoader), ("normalizer", XRayNormalizer), ("classifier", CXRClassifier)],
        DEFAULT_PARAMS, params,
    )


def _build_pipeline(steps, defaults, params):
    """``Pipeline`` of ``(name, class)`` steps built from ``defaults[name]``, then ``params``.

    The defaults are deep-copied, so no two pipelines share a mutable value.
    """
    defaults = copy.deepcopy(defaults)
    pipe = Pipeline([(name, cls(**defaults[name])) for name, cls in steps])
    if params:
        pipe.set_params(**params)
    return pipe
