"""The recipes as data, and the functions that build them."""

import copy

from sklearn.pipeline import Pipeline

from ..model_selection import TARGET_SENSITIVITY, SensitivityThresholdClassifierCV

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

#: Steps and settings of :func:`make_pretrained_pipeline`, chosen by
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

#: Overrides of :data:`PRETRAINED_PARAMS` that make :func:`make_multisource_pipeline`,
#: chosen by ``benchmarks/bench_sources.py`` on leave-one-source-out (not
#: internal CV): 224 px, the globally average-pooled maps of
#: ``block_6_expand_relu`` (192) and ``block_13_expand_relu`` (576), C = 0.01.
#: The last block (``out_relu``) and weaker regularisation scored higher inside
#: the training sources but lower on held-out ones.
MULTISOURCE_PARAMS = {
    "loader": {"size": (224, 224)},
    "embedder": {"layer": ["block_6_expand_relu", "block_13_expand_relu"], "pooling": "avg",
                 "flip": False},
    "classifier": {"C": 0.01},
}

_PIPELINE_PARAMS = ("memory", "verbose")
_THRESHOLD_PARAMS = ("target_sensitivity", "cv", "groups_column", "gate", "n_jobs",
                     "random_state")


def _merge(base, override):
    """``base`` updated by ``override``, nested dicts merged (a deep copy)."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _build(steps, recipe, params, *, threshold=False):
    """The recipe's ``Pipeline`` (wrapped to carry a threshold and gate when asked).

    Each step is built from its settings in ``recipe`` (plain data). ``params``
    as a user writes them: ``step=estimator`` replaces a step, ``memory`` /
    ``verbose`` go to the Pipeline, the threshold's own names
    (``target_sensitivity``, ``gate``, ...) to
    :class:`SensitivityThresholdClassifierCV`, and ``step__name`` goes through
    the Pipeline's ``set_params``, so each step checks its own names at once.
    """
    classes = dict(steps)
    replaced, pipeline_kw, threshold_kw, nested = {}, {}, {}, {}
    for key, value in params.items():
        if key in classes:
            replaced[key] = value
        elif key in _PIPELINE_PARAMS:
            pipeline_kw[key] = value
        elif threshold and key in _THRESHOLD_PARAMS:
            threshold_kw[key] = value
        else:
            nested[key] = value
    settings = copy.deepcopy(recipe)
    pipe = Pipeline([(name, replaced[name] if name in replaced else cls(**settings[name]))
                     for name, cls in steps], **pipeline_kw)
    if nested:
        pipe.set_params(**nested)
    if not threshold:
        return pipe
    if "gate" not in threshold_kw:
        from ..applicability import ApplicabilityGate

        threshold_kw["gate"] = ApplicabilityGate()
    return SensitivityThresholdClassifierCV(pipe, **{"target_sensitivity": TARGET_SENSITIVITY,
                                                     **threshold_kw})


def make_default_pipeline(**params):
    """The 2020 study's design card: loader, contrast normaliser, five-block CNN.

    ``Pipeline([("loader", XRayLoader), ("normalizer", XRayNormalizer),
    ("classifier", CXRClassifier)])`` with the defaults of
    :data:`DEFAULT_PARAMS`: grayscale, centre crop to 128 px, CLAHE, the
    five-block CNN (dropout 0.3 in the head) trained with Adam for 40 epochs
    with balanced class weights and on-the-fly augmentation, on all the
    training images (no validation split, no early stopping). It takes image
    paths (or a table with a ``path`` column) and labels ``"covid"`` /
    ``"non-covid"``, and predicts the more probable class (threshold 0.5, as
    the study). For new hospitals prefer :func:`make_multisource_pipeline`.

    Parameters
    ----------
    **params
        ``step__name=value`` sets a step's parameter (``classifier__epochs=3``,
        ``loader__size=(64, 64)``); ``step=estimator`` replaces a step;
        ``memory`` / ``verbose`` go to the ``Pipeline``.

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
    from ..classifier import CXRClassifier
    from ..preprocessing import XRayLoader, XRayNormalizer

    return _build([("loader", XRayLoader), ("normalizer", XRayNormalizer),
                   ("classifier", CXRClassifier)], DEFAULT_PARAMS, params)


def _pretrained_steps():
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from ..features import XRayEmbedder
    from ..preprocessing import XRayLoader, XRayNormalizer

    return [("loader", XRayLoader), ("normalizer", XRayNormalizer), ("embedder", XRayEmbedder),
            ("scaler", StandardScaler), ("classifier", LogisticRegression)]


def make_pretrained_pipeline(**params):
    """Frozen ImageNet features + logistic regression, threshold and gate carried.

    ``Pipeline([("loader", XRayLoader), ("normalizer", XRayNormalizer),
    ("embedder", XRayEmbedder), ("scaler", StandardScaler),
    ("classifier", LogisticRegression)])`` with :data:`PRETRAINED_PARAMS`,
    inside a :class:`~skcxr.model_selection.SensitivityThresholdClassifierCV`:
    fitting it sets the decision threshold for sensitivity
    :data:`TARGET_SENSITIVITY` on a patient-grouped inner 5-fold CV of the
    training rows (groups: ``fit(..., groups=...)`` or the ``patientid``
    column of a training table) and fits an
    :class:`~skcxr.applicability.ApplicabilityGate` on the training images.
    Each image is embedded once per process (:func:`skcxr.features.embedding_stats`),
    so the inner CV costs little more than one fit. ``weights="imagenet"`` is
    found offline in ``$SKCXR_WEIGHTS`` (:func:`skcxr.architectures.resolve_weights`).

    Parameters
    ----------
    **params
        ``step__name=value`` sets a step's parameter (``classifier__C=0.1``,
        ``embedder__layer="out_relu"``); ``step=estimator`` replaces a step;
        ``memory`` / ``verbose`` go to the ``Pipeline``; ``target_sensitivity``,
        ``cv``, ``groups_column``, ``gate`` (``None``: no gate), ``n_jobs`` and
        ``random_state`` to the threshold classifier.

    Returns
    -------
    skcxr.model_selection.SensitivityThresholdClassifierCV
        Unfitted; its ``estimator`` is the ``Pipeline``.

    Examples
    --------
    >>> from skcxr import make_pretrained_pipeline
    >>> model = make_pretrained_pipeline(classifier__C=0.1)
    >>> list(model.estimator.named_steps)
    ['loader', 'normalizer', 'embedder', 'scaler', 'classifier']
    >>> model.get_params()["estimator__embedder__layer"], model.target_sensitivity
    (['block_13_expand_relu', 'out_relu'], 0.92)
    """
    return _build(_pretrained_steps(), PRETRAINED_PARAMS, params, threshold=True)


def make_multisource_pipeline(**params):
    """The recommended recipe: the one that held up best on sources it never saw.

    :func:`make_pretrained_pipeline` with :data:`MULTISOURCE_PARAMS` merged
    into :data:`PRETRAINED_PARAMS`: loader at 224 px (CLAHE), frozen ImageNet
    MobileNetV2 features of ``block_6_expand_relu`` and
    ``block_13_expand_relu``, standardised, and a balanced logistic regression
    with C = 0.01; the decision threshold for sensitivity
    :data:`TARGET_SENSITIVITY` and an applicability gate travel with the
    fitted model. Train it on :func:`skcxr.datasets.make_covid_dataset_from_root`'s
    default (multi-source) table. The measured table is in
    ``docs/pitfalls.rst``; it does **not** make a new hospital safe: validate
    on your own images first (``docs/site_validation.rst``).

    Parameters
    ----------
    **params
        As :func:`make_pretrained_pipeline`, applied after the recipe's.

    Returns
    -------
    skcxr.model_selection.SensitivityThresholdClassifierCV
        Unfitted; its ``estimator`` is the ``Pipeline``
        ``loader, normalizer, embedder, scaler, classifier``.

    Examples
    --------
    >>> from skcxr import make_multisource_pipeline
    >>> model = make_multisource_pipeline()
    >>> params = model.get_params()
    >>> params["estimator__embedder__layer"], params["estimator__classifier__C"]
    (['block_6_expand_relu', 'block_13_expand_relu'], 0.01)
    """
    return _build(_pretrained_steps(), _merge(PRETRAINED_PARAMS, MULTISOURCE_PARAMS), params,
                  threshold=True)
