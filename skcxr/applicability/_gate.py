"""The applicability gate and the contract other code relies on.

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

from ._estimator import REPORT_COLUMNS, ApplicabilityGate

from ..utils._estimators import inner_estimator

__all__ = ["REPORT_COLUMNS", "ApplicabilityGate", "ApplicabilityWarning", "check_images",
           "find_gate", "warn_if_inapplicable"]


class ApplicabilityWarning(UserWarning):
    """Some images failed the applicability gate: the predictions for them are not to be trusted.

    Parameters
    ----------
    message : str
        The warning's text: counts and up to five file names.
    report : pandas.DataFrame, default=None
        The failing rows of the gate's report.

    Attributes
    ----------
    report : pandas.DataFrame
        The failing rows of the gate's report (``path, chest_xray, familiar, reason``).
    """

    def __init__(self, message, report=None):
        super().__init__(message)
        self.report = report


def find_gate(estimator):
    """The fitted gate an estimator carries (``gate_`` on it or on the estimators it wraps), or None.

    Parameters
    ----------
    estimator : object
        A fitted gate, an estimator with a ``gate_`` attribute, or one that
        wraps such an estimator (``best_estimator_``, ``estimator_``, the
        last step of a :class:`~sklearn.pipeline.Pipeline`).

    Returns
    -------
    gate : ApplicabilityGate or None
        The fitted gate, or None when the estimator carries none.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcxr.applicability import find_gate
    >>> find_gate(LogisticRegression()) is None
    True
    """
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

    Parameters
    ----------
    estimator : object
        A fitted model carrying a gate (see :func:`find_gate`), or a fitted
        :class:`ApplicabilityGate`.
    paths : list of str / os.PathLike, or DataFrame with a ``path`` column
        The images.

    Returns
    -------
    report : pandas.DataFrame
        One row per path, in order: ``path``, ``chest_xray``, ``familiar``, ``reason``.

    Raises
    ------
    ValueError
        The estimator carries no gate.

    Examples
    --------
    >>> from skcxr.applicability import check_images
    >>> report = check_images(fitted_model, ["a.png", "dental.dcm"])  # doctest: +SKIP
    >>> report[~report.chest_xray].path.tolist()  # doctest: +SKIP
    ['dental.dcm']
    """
    gate = find_gate(estimator)
    if gate is None:
        raise ValueError(
            f"{type(estimator).__name__} carries no applicability gate; fit a recipe "
            "(skcxr.make_multisource_pipeline()) or an skcxr.applicability.ApplicabilityGate")
    return gate.check(paths)


def warn_if_inapplicable(report, stacklevel=2):
    """Warn once (:class:`ApplicabilityWarning`) when any row of a gate report fails.

    The message counts the failing images (not a chest X-ray / unfamiliar
    source) and names up to five of them ("and N more" past five); the
    warning's ``report`` attribute holds every failing row.

    Parameters
    ----------
    report : pandas.DataFrame
        A report of :meth:`ApplicabilityGate.check`.
    stacklevel : int, default=2
        As for :func:`warnings.warn`, counted from the caller.

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> from skcxr.applicability import warn_if_inapplicable
    >>> report = pd.DataFrame({"path": ["a.png", "b.png"], "chest_xray": [True, False],
    ...                        "familiar": [True, True], "reason": ["", "not a frontal chest X-ray"]})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_inapplicable(report)
    >>> caught[0].message.report.path.tolist()
    ['b.png']
    """
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
