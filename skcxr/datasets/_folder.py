"""Reader for any folder of labelled chest X-rays described by a ``metadata.csv``.

This is how a user adds their own hospital: one folder, one ``metadata.csv``
with the columns ``path, label, finding, view, patientid, source``.
"""

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import StrOptions, validate_params

from ..utils._stack import caller_stacklevel
from ._base import LABELS, TABLE_COLUMNS, check_root, read_metadata

#: Columns ``metadata.csv`` must have; ``finding, view, patientid, source,
#: sex, age, split`` are optional.
FOLDER_REQUIRED_COLUMNS = ["path", "label"]
_OPTIONAL_COLUMNS = ["finding", "view", "sex", "age", "split"]
_MISSING_PATIENTID = ("raise", "per-image")


class DerivedPatientIdWarning(UserWarning):
    """Patient ids were derived per image because the source publishes none."""


def _blank(values):
    values = pd.Series(values, dtype=object)
    return values.isna().to_numpy() | (values.astype(str).str.strip() == "").to_numpy()


@validate_params(
    {
        "root": [str, os.PathLike],
        "source": [str, None],
        "missing_patientid": [StrOptions(set(_MISSING_PATIENTID))],
        "on_missing": [StrOptions({"raise", "warn"})],
        "metadata": [str, os.PathLike],
    },
    prefer_skip_nested_validation=True,
)
def load_xray_folder(root, *, source=None, missing_patientid="raise", on_missing="raise",
                     metadata="metadata.csv"):
    """Load a folder of labelled chest X-rays described by ``metadata.csv``.

    The folder holds the images and a ``metadata.csv`` with the columns
    ``path`` (relative to the folder, or absolute) and ``label``
    (``"covid"`` / ``"non-covid"``, compared case- and blank-insensitively),
    and optionally ``finding``, ``view``, ``patientid``, ``source``, ``sex``,
    ``age``, ``split``. Use it to add a hospital of your own and hold it out
    with :func:`skcxr.model_selection.leave_one_source_out`.

    Parameters
    ----------
    root : str or path-like
        The folder.
    source : str, default=None
        Source name written to the ``source`` column. ``None`` takes the
        file's ``source`` column when it is filled on every row, else the
        folder's name.
    missing_patientid : {"raise", "per-image"}, default="raise"
        Rows without a patient id (no ``patientid`` column, or blank cells):
        ``"raise"`` names the file, the column and the first rows;
        ``"per-image"`` gives each such image its own id (the file's stem) and
        warns with :class:`DerivedPatientIdWarning`. Only right when the
        source documents one image per person: two films of one patient with
        different ids would straddle a grouped split.
    on_missing : {"raise", "warn"}, default="raise"
        Rows whose image file does not exist: raise naming the file, column
        and the first missing images, or drop them with a warning.
    metadata : str, default="metadata.csv"
        Name of the metadata file inside ``root``.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``path`` (absolute), ``label``, ``patientid`` (prefixed by the
        source, e.g. ``"tbx11k:tb0003"``), ``source``, ``view``, ``finding``,
        ``sex``, ``age`` (float), ``split`` (NaN where not given), in file
        order.

    Raises
    ------
    FileNotFoundError
        The folder, its metadata file or (``on_missing="raise"``) an image is
        missing; the message names the metadata file and column ``path``.
    ValueError
        A required column is missing, a label is unknown, a patient id is
        blank (``missing_patientid="raise"``), or the file lists no image;
        each message names the metadata file and the column.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skcxr.datasets import load_xray_folder
    >>> root = tempfile.mkdtemp()
    >>> for name in ("a.png", "b.png"):
    ...     Image.fromarray(np.zeros((8, 8), np.uint8)).save(os.path.join(root, name))
    >>> with open(os.path.join(root, "metadata.csv"), "w") as f:
    ...     _ = f.write("path,label,patientid\\na.png,covid,p1\\nb.png,Non-COVID,p2\\n")
    >>> table = load_xray_folder(root, source="my-hospital")
    >>> table[["label", "patientid", "source"]]
           label       patientid       source
    0      covid  my-hospital:p1  my-hospital
    1  non-covid  my-hospital:p2  my-hospital
    """
    root = check_root(root, "X-ray folder")
    csv = root / metadata
    table = read_metadata(csv, FOLDER_REQUIRED_COLUMNS,
                          dtype={"patientid": str, "source": str, "path": str})
    if table.empty:
        raise ValueError(f"{csv} lists no image (no rows)")
    # path: no blanks
    blank_path = _blank(table["path"])
    if blank_path.any():
        rows = np.flatnonzero(blank_path)[:5].tolist()
        raise ValueError(f"{csv}, column 'path': {int(blank_path.sum())} blank value(s), "
                         f"at data row(s) {rows} (0-based)")
    # label: covid / non-covid only
    labels = table["label"].astype(str).str.strip().str.lower()
    labels = labels.replace({"non covid": "non-covid", "noncovid": "non-covid"})
    bad = ~labels.isin(LABELS) | _blank(table["label"])
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())[:5].tolist()
        values = sorted(set(table.loc[bad, "label"].astype(str)))[:5]
        raise ValueError(
            f"{csv}, column 'label': {int(bad.sum())} unknown label(s) {values} at data "
            f"row(s) {rows} (0-based); every label must be 'covid' or 'non-covid'")
    table["label"] = labels.to_numpy()
    # source name
    if source is None:
        has_column = "source" in table.columns and not _blank(table["source"]).any()
        names = table["source"].astype(str).str.strip() if has_column else root.name
    else:
        if "source" in table.columns:
            table = table.rename(columns={"source": "origin"})
        names = str(source)
    table["source"] = names
    # files
    table["path"] = [str((root / p.strip()).resolve()) for p in table["path"].astype(str)]
    exists = np.array([Path(p).is_file() for p in table["path"]], dtype=bool)
    if not exists.all():
        first = ", ".join(table.loc[~exists, "path"].head(5))
        msg = (f"{csv}, column 'path': {int((~exists).sum())} of {len(table)} image file(s) "
               f"are missing, e.g. {first}")
        if on_missing == "raise":
            raise FileNotFoundError(msg + "; fix the paths or pass on_missing='warn' to drop them")
        warnings.warn(msg + "; dropped those rows", UserWarning, stacklevel=caller_stacklevel())
        table = table.loc[exists].reset_index(drop=True)
    # patient ids
    if "patientid" not in table.columns:
        table["patientid"] = np.nan
    no_id = _blank(table["patientid"])
    if no_id.any():
        if missing_patientid == "raise":
            rows = np.flatnonzero(no_id)[:5].tolist()
            raise ValueError(
                f"{csv}, column 'patientid': {int(no_id.sum())} of {len(table)} row(s) have no "
                f"patient id (data row(s) {rows}, 0-based); fill it (a grouped split needs "
                "it), or pass missing_patientid='per-image' if the source documents one "
                "image per person")
        stems = [Path(p).stem for p in table.loc[no_id, "path"]]
        table.loc[no_id, "patientid"] = stems
        warnings.warn(
            f"{csv}, column 'patientid': {int(no_id.sum())} row(s) without a patient id got a "
            "per-image id (the file's stem): correct only if each image is a different person",
            DerivedPatientIdWarning, stacklevel=caller_stacklevel())
    table["patientid"] = [
        f"{s}:{str(p).strip()}" for s, p in zip(table["source"], table["patientid"])]
    for column in _OPTIONAL_COLUMNS:
        if column not in table.columns:
            table[column] = np.nan
    table["age"] = pd.to_numeric(table["age"], errors="coerce")
    for column in ("view", "finding"):
        table[column] = table[column].where(~_blank(table[column]), np.nan)
    return table[TABLE_COLUMNS + ["split"]].reset_index(drop=True)


__all__ = ["DerivedPatientIdWarning", "FOLDER_REQUIRED_COLUMNS", "load_xray_folder"]
