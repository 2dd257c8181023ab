"""The recipe chosen on held-out sources (issue 15): frozen features of a mid-level and
an earlier MobileNetV2 block, a strongly regularised logistic regression, trained on
the multi-source table (:func:`skcxr.datasets.make_multisource_dataset`)."""

import copy

#: Overrides of :data:`skcxr._pretrained.PRETRAINED_PARAMS` chosen by
#: ``benchmarks/bench_sources.py`` on leave-one-source-out (not internal CV):
#: 224 px, the globally average-pooled maps of ``block_6_expand_relu`` (192) and
#: ``block_13_expand_relu`` (576), C = 0.01. The last block (``out_relu``) and
#: weaker regularisation scored higher inside the training sources but lower on
#: held-out ones.
MULTISOURCE_PARAMS = {
    "loader": {"size": (224, 224)},
    "embedder": {"layer": ["block_6_expand_relu", "block_13_expand_relu"], "pooling": "avg",
                 "flip": False},
    "classifier": {"C": 0.01},
}

#: Sensitivity the decision threshold is set for, on a patient-grouped CV of the
#: training rows (see :func:`skcxr.model_selection.threshold_for_sensitivity`).
MULTISOURCE_TARGET_SENSITIVITY = 0.92


def make_multisource_pipeline(**params):
    """The pipeline that held up best on sources it never saw.

    :func:`skcxr.make_pretrained_pipeline` with :data:`MULTISOURCE_PARAMS`:
    loader at 224 px (CLAHE), frozen ImageNet MobileNetV2 features of
    ``block_6_expand_relu`` and ``block_13_expand_relu``, standardised, and a
    balanced logistic regression with C = 0.01. Train it on
    :func:`skcxr.datasets.make_multisource_dataset` and set its threshold on
    the training rows for sensitivity
    :data:`MULTISOURCE_TARGET_SENSITIVITY` (what
    :func:`skcxr.model_selection.leave_one_source_out` does by default).
    The measured table is in ``docs/pitfalls.rst``; it does **not** make a
    new hospital safe: validate on your own images first.

    Parameters
    ----------
    **params
        Nested parameters applied with ``set_params`` after the recipe's.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted: ``loader, normalizer, embedder, scaler, classifier``.

    Examples
    --------
    >>> from skcxr import make_multisource_pipeline
    >>> pipe = make_multisource_pipeline()
    >>> pipe.get_params()["embedder__layer"], pipe.get_params()["classifier__C"]
    (['block_6_expand_relu', 'block_13_expand_relu'], 0.01)
    """
    from ._pretrained import make_pretrained_pipeline

    recipe = {f"{step}__{name}": copy.deepcopy(value)
              for step, values in MULTISOURCE_PARAMS.items() for name, value in values.items()}
    recipe.update(params)
    return make_pretrained_pipeline(**recipe)
