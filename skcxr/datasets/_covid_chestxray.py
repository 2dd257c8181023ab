"""Reader for the COVID-19 image data collection (Cohen et al., 2020)."""

import os

from sklearn.utils._param_validation import StrOptions, validate_params

from ._base import check_root, handle_missing_files, read_metadata

#: Columns of ``metadata.csv`` the cleaning rules rely on.
COVID_REQUIRED_COLUMNS = [
    "patientid", "finding", "view", "modality", "folder", "filename", "sex", "age",
]


@validate_params(
    {"root": [str, os.PathLike], "on_missing": [StrOptions({"raise", "warn"})]},
    prefer_skip_nested_validation=True,
)
def load_covid_chestxray(root, *, on_missing="raise"):
    """Load the raw metadata of the COVID-19 image data collection.

    Reads ``<root>/metadata.csv`` as published upstream (no row is filtered,
    CT scans and lateral views included) and adds an absolute ``path``
    column, ``<root>/<folder>/<filename>``. The cleaning rules of the study
    live in :func:`make_covid_dataset`.

    Parameters
    ----------
    root : str or path-like
        Folder holding ``metadata.csv`` and the image folder(s) it names
        (``images/``), e.g. ``"../shared/data/covid-chestxray"``.
    on_missing : {"raise", "warn"}, default="raise"
        What to do with rows whose image file does not exist. ``"raise"``
        raises :class:`FileNotFoundError` counting them and naming the first
        few; ``"warn"`` drops them and warns how many were dropped.

    Returns
    -------
    metadata : pandas.DataFrame
        One row per metadata row, every upstream column (``patientid`` read
        as a string) plus ``path`` (absolute, as ``str``).

    Raises
    ------
    FileNotFoundError
        If ``root`` or ``metadata.csv`` does not exist, or image files are
        missing and ``on_missing="raise"``.
    ValueError
        If ``metadata.csv`` lacks one of the columns the cleaning needs
        (``patientid, finding, view, modality, folder, filename, sex, age``).

    See Also
    --------
    make_covid_dataset : The cleaned, labelled, balanced table.

    Examples
    --------
    >>> from skcxr.datasets import load_covid_chestxray
    >>> meta = load_covid_chestxray("../shared/data/covid-chestxray")  # doctest: +SKIP
    >>> meta[["patientid", "finding", "view", "modality", "path"]].head(2)  # doctest: +SKIP
    """
    root = check_root(root, "COVID-19 image collection folder")
    meta = read_metadata(
        root / "metadata.csv", COVID_REQUIRED_COLUMNS, dtype={"patientid": str}
    )
    folder = meta["folder"].fillna("").astype(str)
    meta["path"] = [
        str(root / d / f) for d, f in zip(folder, meta["filename"].astype(str))
    ]
    return handle_missing_files(meta, on_missing, root / "metadata.csv")
