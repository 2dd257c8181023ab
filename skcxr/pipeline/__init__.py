"""skcxr's recipes: image paths (or a table) -> a fitted model in one estimator.

Every recipe is plain data (:data:`DEFAULT_PARAMS`, :data:`PRETRAINED_PARAMS`,
:data:`MULTISOURCE_PARAMS`: ``{step: {parameter: value}}``) and a function
building it:

* :func:`make_default_pipeline`: the 2020 study's design card, the five-block
  CNN (a :class:`~sklearn.pipeline.Pipeline`);
* :func:`make_pretrained_pipeline`: frozen ImageNet features + logistic
  regression, with its decision threshold and an applicability gate carried by
  the fitted model (:class:`skcxr.model_selection.SensitivityThresholdClassifierCV`);
* :func:`make_multisource_pipeline`: the recipe chosen on held-out sources, the
  recommended one; the same estimator type.
"""

from ._recipes import (
    DEFAULT_PARAMS,
    MULTISOURCE_PARAMS,
    PRETRAINED_PARAMS,
    TARGET_SENSITIVITY,
    make_default_pipeline,
    make_multisource_pipeline,
    make_pretrained_pipeline,
)

__all__ = [
    "DEFAULT_PARAMS",
    "MULTISOURCE_PARAMS",
    "PRETRAINED_PARAMS",
    "TARGET_SENSITIVITY",
    "make_default_pipeline",
    "make_multisource_pipeline",
    "make_pretrained_pipeline",
]
