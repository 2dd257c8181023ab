"""A one-line description of a dataset table."""

import pandas as pd
from sklearn.utils._param_validation import validate_params


def _counts(series):
    counts = series.fillna("unknown").astype(str).value_counts()
    return ", ".join(f"{name} {n}" for name, n in counts.items())


@validate_params({"table": [pd.DataFrame]}, prefer_skip_nested_validation=True)
def summarize_dataset(table):
    """Describe a dataset table in one line, in the study's terms.

    Parameters
    ----------
    table : pandas.DataFrame
        A table with ``label`` and, when present, ``patientid``, ``source``
        and ``view`` columns (as :func:`make_covid_dataset` returns).

    Returns
    -------
    summary : str
        ``"<n> images: <c> covid / <h> non-covid; <p> patients; sources: ...;
        views: ..."``; per source the covid / non-covid split is given.

    Raises
    ------
    TypeError
        If ``table`` is not a DataFrame (e.g. a list or a Series; build the
        table with :mod:`skcxr.datasets`, or ``pandas.DataFrame(...)``).
    ValueError
        If ``table`` has no ``label`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcxr.datasets import summarize_dataset
    >>> table = pd.DataFrame({
    ...     "label": ["covid", "covid", "non-covid", "non-covid"],
    ...     "patientid": ["a:1", "a:1", "a:2", "b:7"],
    ...     "source": ["a", "a", "a", "b"],
    ...     "view": ["PA", "AP", "PA", None]})
    >>> print(summarize_dataset(table))
    4 images: 2 covid / 2 non-covid; 3 patients; sources: a 3 (2 covid / 1 non-covid), b 1 (0 covid / 1 non-covid); views: PA 2, AP 1, unknown 1
    """
    if "label" not in table.columns:
        raise ValueError(f"table has no 'label' column; it has {list(table.columns)}")
    labels = table["label"]
    parts = [
        f"{len(table)} images: {int((labels == 'covid').sum())} covid / "
        f"{int((labels == 'non-covid').sum())} non-covid"
    ]
    if "patientid" in table.columns:
        parts.append(f"{table['patientid'].nunique()} patients")
    if "source" in table.columns:
        per_source = [
            f"{name} {len(group)} ({int((group['label'] == 'covid').sum())} covid / "
            f"{int((group['label'] == 'non-covid').sum())} non-covid)"
            for name, group in table.groupby("source", sort=False)
        ]
        parts.append("sources: " + ", ".join(per_source))
    if "view" in table.columns:
        parts.append("views: " + _counts(table["view"]))
    return "; ".join(parts)
