"""skcxr: scikit-learn compatible chest X-ray classification with a Keras CNN.

Data flows one way::

    folders + metadata.csv --skcxr.datasets--> table (path, label, patientid, source, ...)
    table.path --XRayLoader--> array (n, h, w, c) --CXRClassifier--> predict_proba
               --skcxr.metrics--> tables and plots

``XRayLoader`` and ``CXRClassifier`` are re-exported here. ``CXRClassifier``
is imported lazily so that ``import skcxr.datasets`` does not start TensorFlow.
"""

import importlib

__version__ = "0.1.0"

__all__ = [
    "XRayLoader",
    "CXRClassifier",
    "make_default_pipeline",
    "make_pretrained_pipeline",
    "make_multisource_pipeline",
    "__version__",
]

_LAZY = {
    "XRayLoader": "skcxr.preprocessing",
    "CXRClassifier": "skcxr.classifier",
    "make_default_pipeline": "skcxr.pipeline",
    "make_pretrained_pipeline": "skcxr.pipeline",
    "make_multisource_pipeline": "skcxr.pipeline",
}

_SUBPACKAGES = {
    "applicability",
    "architectures",
    "classifier",
    "datasets",
    "explain",
    "features",
    "metrics",
    "model_selection",
    "pipeline",
    "plotting",
    "preprocessing",
    "utils",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBPACKAGES:
        return importlib.import_module(f"skcxr.{name}")
    raise AttributeError(f"module 'skcxr' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _SUBPACKAGES)
