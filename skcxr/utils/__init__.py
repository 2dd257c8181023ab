"""Shared floor of skcxr: helpers every subpackage may import.

``skcxr.utils`` imports no other skcxr package at import time (it is the
lowest floor; ``python tools/import_graph.py`` checks the floors). Its private
modules hold what several subpackages share, each written once:

- ``_images``: the image-array validator (``check_image_array``, one
  tolerance, one exception type), ``as_unit_float`` and ``minmax_rescale``;
- ``_scores``: binary rates, positive-class scores, ROC AUC guarded against
  one-class groups (``safe_roc_auc``);
- ``_runtime`` / ``_seeding`` / ``_workers``: TensorFlow thread caps and fork
  guard, per-thread Keras seeding and ``MAX_SEED``, the Dask-worker probe;
- ``_parallel``: the ``n_jobs`` declaration and its resolution;
- ``_estimators``: the model inside a Pipeline / search / threshold wrapper;
- ``_constants``: ImageNet channel statistics;
- ``_set_output``: ``set_output`` for image-array transformers.

Its public names:

- :func:`~skcxr.utils.discovery.all_estimators`: every public estimator of
  skcxr, found by walking its public modules (as
  ``imblearn.utils.discovery.all_estimators`` does).
"""

from .discovery import all_estimators

__all__ = ["all_estimators"]
