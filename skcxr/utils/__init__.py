"""Shared floor of skcxr: helpers every subpackage may import.

``skcxr.utils`` imports no other skcxr package at import time (it is the
lowest floor). Its public names:

- :func:`~skcxr.utils.discovery.all_estimators`: every public estimator of
  skcxr, found by walking its public modules (as
  ``imblearn.utils.discovery.all_estimators`` does).
"""

from .discovery import all_estimators

__all__ = ["all_estimators"]
