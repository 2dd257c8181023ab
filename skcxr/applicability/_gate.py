"""The applicability gate (skeleton: the contract other code relies on).

Contract
--------
* ``ApplicabilityGate().fit(X)``: ``X`` = image paths or a table with a ``path``
  column (what :class:`skcxr.XRayLoader` takes); returns self; fitted
  attributes end in ``_``.
* ``gate.check(X) -> pandas.DataFrame``: one row per image, in order, columns
  ``path`` (str), ``chest_xray`` (bool), ``familiar`` (bool), ``reason`` (str,
  empty when both pass). An unreadable file gives ``chest_xray=False`` and a
  reason naming the problem; it never raises for one bad file.
* ``check_images(estimator, paths)``: the same frame from the gate the fitted
  estimator carries (:func:`find_gate`); raises ``ValueError`` when it carries none.
* ``warn_if_inapplicable(report)``: one :class:`ApplicabilityWarning` when any
  row fails, with counts and up to five file names.
"""

import warnings

import pandas as pd

from ..utils._estimators import inner_estimator

REPORT_COLUMNS = ["path", "chest_xray", "familiar", "reason"]


class ApplicabilityWarning(UserWarning):
    """Some images failed the applicability gate: the predictions for them are not to be trusted.

    Attributes
    ----------
    report : pandas.DataFrame
        The failing rows of the gate's report (``path, chest_xray, familiar, reason``).
    """

    def __init__(self, message, report=None):
        super().__init__(message)
        self.report = report


class ApplicabilityGate:  # placeholder: replaced by the real estimator
    def fit(self, X, y=None):
        raise NotImplementedError

    def check(self, X):
        raise NotImplementedError


def find_gate(estimator):
    """The fitted gate an estimator carries (``gate_`` on it or on the estimators it wraps), or None."""
    seen = set()
    while estimator is not None and id(estimator) not in seen:
        seen.add(id(estimator))
        if isinstance(estimator, ApplicabilityGate):
            return estimator
        gate = getattr(estimator, "gate_", None)
        if gate is not None:
            return gate
        estimator = inner_estimator(estimator)
    return None


def check_images(estimator, paths):
    """Ask the gate a fitted estimator carries about each image.

    Returns
    -------
    report : pandas.DataFrame
        One row per path, in order: ``path``, ``chest_xray``, ``familiar``, ``reason``.
    """
    gate = find_gate(estimator)
    if gate is None:
        raise ValueError(
            f"{type(estimator).__name__} carries no applicability gate; fit a recipe "
            "(skcxr.make_multisource_pipeline()) or an skcxr.applicability.ApplicabilityGate")
    return gate.check(paths)


def warn_if_inapplicable(report, stacklevel=2):
    """Warn once (:class:`ApplicabilityWarning`) when any row of a gate report fails."""
    failed = report[~(report["chest_xray"] & report["familiar"])]
    if failed.empty:
        return
    names = ", ".join(map(str, failed["path"].head(5)))
    more = f" and {len(failed) - 5} more" if len(failed) > 5 else ""
    warnings.warn(ApplicabilityWarning(
        f"{len(failed)} of {len(report)} image(s) failed the applicability gate "
        f"({int((~failed['chest_xray']).sum())} not a frontal chest X-ray, "
        f"{int((failed['chest_xray'] & ~failed['familiar']).sum())} from an unfamiliar source): "
        f"{names}{more}; their predictions are not to be trusted (see the warning's .report)",
        report=failed.reset_index(drop=True)), stacklevel=stacklevel + 1)
