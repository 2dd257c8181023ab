"""A table from a folder of DICOM files, such as a PACS export."""

import os
import re
import warnings
from collections import Counter

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import validate_params

from ..utils._stack import caller_stacklevel
from ..preprocessing import ImageReadError
from ..preprocessing._dicom_io import dicom_problem, looks_like_dicom, read_dicom_dataset
from ._assemble import FRONTAL_VIEWS
from ._base import TABLE_COLUMNS, check_root

#: DICOM tags copied into the table: column -> keyword.
_TAGS = {
    "modality": "Modality",
    "body_part": "BodyPartExamined",
    "photometric": "PhotometricInterpretation",
    "bits_stored": "BitsStored",
    "rows": "Rows",
    "columns": "Columns",
    "study_description": "StudyDescription",
    "series_description": "SeriesDescription",
    "manufacturer": "Manufacturer",
    "study_date": "StudyDate",
    "accession_number": "AccessionNumber",
    "study_instance_uid": "StudyInstanceUID",
    "series_instance_uid": "SeriesInstanceUID",
    "sop_instance_uid": "SOPInstanceUID",
}
_AGE = re.compile(r"^\s*(\d{1,3})\s*([DWMY])\s*$", re.IGNORECASE)
_AGE_UNIT = {"D": 1 / 365.25, "W": 7 / 365.25, "M": 1 / 12, "Y": 1.0}


def _text(ds, keyword):
    value = ds.get(keyword)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _age_years(value):
    """DICOM AgeString ``"045Y"`` / ``"006M"`` / ``"003W"`` / ``"010D"`` -> years."""
    match = _AGE.match(value or "")
    if not match:
        return np.nan
    return round(int(match.group(1)) * _AGE_UNIT[match.group(2).upper()], 3)


def _check_filter(values, name, allowed=None):
    if values is None:
        return None
    if isinstance(values, str):
        values = (values,)
    values = tuple(str(v).strip().upper() for v in values)
    if not values:
        raise ValueError(f"{name} must be None (no filter) or a non-empty list of names")
    if allowed is not None:
        allowed_upper = [a.upper() for a in allowed]
        unknown = [v for v in values if v not in allowed_upper]
        if unknown:
            raise ValueError(
                f"unknown view name(s) {unknown}; views must be None or a subset of the "
                f"frontal views {list(FRONTAL_VIEWS)} (case does not matter), the same "
                "rule as make_covid_dataset")
    return values


def _row(path, ds, source):
    row = {"path": path, "dicom_patientid": _text(ds, "PatientID"),
           "view": _text(ds, "ViewPosition"), "source": source,
           "sex": (_text(ds, "PatientSex") or "").upper() or np.nan,
           "age": _age_years(_text(ds, "PatientAge"))}
    if row["sex"] not in ("M", "F"):
        row["sex"] = np.nan
    for column, keyword in _TAGS.items():
        row[column] = _text(ds, keyword)
    row["transfer_syntax"] = str(ds.file_meta.TransferSyntaxUID)
    for column in ("bits_stored", "rows", "columns"):
        row[column] = int(row[column]) if row[column] else np.nan
    return row


def _skip_reason(row, modalities, body_parts, views):
    for column, allowed, what in (("modality", modalities, "modality"),
                                  ("body_part", body_parts, "body part"),
                                  ("view", views, "view")):
        value = row[column]
        if allowed is not None and (value is None or value.upper() not in allowed):
            return f"{what} {value or 'missing'}"
    return None


@validate_params(
    {
        "root": [str, os.PathLike],
        # a dict or Series key -> label: checked below, with a message that says so
        "labels": "no_validation",
        "label_key": [str],
        # sequences of names or None: _check_filter also checks they are allowed names
        "views": [str, list, tuple, None],
        "modalities": [str, list, tuple, None],
        "body_parts": [str, list, tuple, None],
        "source": [str],
        "return_skipped": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_dicom_folder(
    root,
    *,
    labels=None,
    label_key="dicom_patientid",
    views=FRONTAL_VIEWS,
    modalities=("CR", "DX"),
    body_parts=("CHEST", "THORAX"),
    source="dicom",
    return_skipped=False,
):
    """Build a table of the DICOM radiographs in a folder and its subfolders.

    Every file under ``root`` is looked at, whatever its name: DICOM is
    recognised by content (``DICM`` at offset 128, or a bare dataset without
    preamble), the headers are read with pydicom (pixel data is not decoded).
    By default only chest frontal radiographs are kept, the rules of the
    COVID-19 collection (:func:`make_covid_dataset`: modality X-ray, a view in
    :data:`FRONTAL_VIEWS`) in DICOM terms:

    1. a single-frame grey image that skcxr can decode (files with no pixel
       data, such as structured reports or a DICOMDIR, multi-frame or colour
       files, and compressions with no installed decoder are skipped);
    2. ``Modality`` in ``modalities`` (computed / digital radiography);
    3. ``BodyPartExamined`` in ``body_parts``;
    4. ``ViewPosition`` in ``views`` (lateral ``LL`` / ``RL`` never kept).

    Names are compared without regard to case or surrounding blanks; a
    missing tag fails its rule. Every skipped file is counted in a warning
    (reason by reason), and listed when ``return_skipped=True``.

    Parameters
    ----------
    root : str or path-like
        Folder searched recursively.
    labels : dict, pandas.Series or None, default=None
        Your labels (e.g. ``{"patient-7": "covid"}``, keyed by the files'
        ``PatientID``), looked up in the column ``label_key``. None leaves
        ``label`` empty (NaN): labels are never guessed from DICOM tags. Rows
        whose key is not in ``labels`` get NaN and are counted in a warning.
    label_key : str, default="dicom_patientid"
        The column whose values are the keys of ``labels``:
        ``"dicom_patientid"`` (``PatientID`` as in the files),
        ``"accession_number"``, ``"study_instance_uid"``,
        ``"sop_instance_uid"``, ... or ``"path"`` (keys absolute, or relative
        to ``root`` with ``/``).
    views : sequence of str or None, default=FRONTAL_VIEWS
        ``ViewPosition`` values kept, a subset of :data:`FRONTAL_VIEWS`;
        None keeps every view (laterals included).
    modalities : sequence of str or None, default=("CR", "DX")
        ``Modality`` values kept; None keeps all.
    body_parts : sequence of str or None, default=("CHEST", "THORAX")
        ``BodyPartExamined`` values kept; None keeps all (also files without
        the tag).
    source : str, default="dicom"
        Value of the ``source`` column (e.g. the hospital's name), so the
        table can be stacked with others and evaluated per source.
    return_skipped : bool, default=False
        Also return the skipped files.

    Returns
    -------
    table : pandas.DataFrame
        One row per kept image, sorted by path: the columns every skcxr table
        has (``path`` absolute, ``label``, ``patientid`` =
        ``"<source>:<PatientID>"``, prefixed like every source's so that ids
        never collide when tables are stacked, ``source``, ``view`` =
        ``ViewPosition``, ``finding`` (NaN), ``sex`` = ``PatientSex``, ``age``
        in years from ``PatientAge``), then ``dicom_patientid``
        (``PatientID`` as written), ``modality``, ``body_part``
        (``BodyPartExamined``), ``photometric``, ``bits_stored``, ``rows``,
        ``columns``, ``study_description``, ``series_description``,
        ``manufacturer``, ``study_date``, ``accession_number``, the study /
        series / SOP instance UIDs and ``transfer_syntax``. A file without ``PatientID`` gets the patient
        ``"<source>:unknown:<StudyInstanceUID>"`` (or ``...:unknown:<path>``),
        never a patient shared with other studies, and a warning.
    skipped : pandas.DataFrame
        Only with ``return_skipped=True``: ``path``, ``reason`` (short, as
        counted in the warning) and ``detail``.

    Raises
    ------
    ValueError
        No file kept (the message counts the reasons), or a bad parameter.
    ImportError
        pydicom is not installed (``pip install 'skcxr[dicom]'``).

    See Also
    --------
    skcxr.XRayLoader : Reads the ``path`` column, DICOM included.

    Examples
    --------
    >>> import warnings
    >>> from skcxr.datasets import load_dicom_folder
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # two of the four files are no chest
    ...     table, skipped = load_dicom_folder("../shared/data/dicom",
    ...                                        return_skipped=True)  # doctest: +SKIP
    >>> table[["patientid", "view", "modality", "body_part"]]  # doctest: +SKIP
    >>> skipped["reason"].tolist()  # doctest: +SKIP
    ['body part missing', 'not DICOM', 'body part EXTREMITY']
    """
    root = check_root(root, "DICOM folder")
    views = _check_filter(views, "views", allowed=FRONTAL_VIEWS)
    modalities = _check_filter(modalities, "modalities")
    body_parts = _check_filter(body_parts, "body_parts")
    if labels is not None and not hasattr(labels, "get"):
        raise TypeError(
            f"labels must be a dict or pandas.Series (key -> label), got {type(labels).__name__}")
    files = sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: str(p))
    rows, skipped = [], []
    for file in files:
        path = str(file)
        with open(path, "rb") as f:
            head = f.read(132)
        if not looks_like_dicom(head, os.path.getsize(path)):
            skipped.append((path, "not DICOM", "no DICM magic and no DICOM dataset start"))
            continue
        try:
            ds = read_dicom_dataset(path, pixels=False)
        except ImageReadError as exc:
            skipped.append((path, "unreadable DICOM", str(exc)))
            continue
        problem = dicom_problem(ds, path)
        if problem is not None:
            skipped.append((path, *problem))
            continue
        row = _row(path, ds, source)
        reason = _skip_reason(row, modalities, body_parts, views)
        if reason is not None:
            skipped.append((path, reason, f"{path!r}: {reason}"))
            continue
        rows.append(row)
    skipped = pd.DataFrame(skipped, columns=["path", "reason", "detail"])
    counts = ", ".join(f"{n} {reason}" for reason, n in Counter(skipped["reason"]).most_common())
    if not rows:
        raise ValueError(
            f"no DICOM radiograph kept under {root}: {len(files)} file(s), skipped "
            f"{counts or 'none'}; the defaults keep chest frontal radiographs only "
            "(views=None, modalities=None, body_parts=None lift the filters)")
    if len(skipped):
        warnings.warn(
            f"load_dicom_folder: kept {len(rows)} of {len(files)} file(s) under {root}; "
            f"skipped {len(skipped)}: {counts} (return_skipped=True lists them)",
            UserWarning, stacklevel=caller_stacklevel())
    table = pd.DataFrame(rows)
    table["patientid"] = _patient_ids(table, source)
    table["label"] = _labels(table, labels, label_key, root)
    table["finding"] = np.nan
    extra = ["dicom_patientid"] + [
        c for c in table.columns if c not in TABLE_COLUMNS and c != "dicom_patientid"]
    table = table[TABLE_COLUMNS + extra].reset_index(drop=True)
    return (table, skipped) if return_skipped else table


def _patient_ids(table, source):
    ids = table["dicom_patientid"].copy()
    missing = ids.isna()
    if missing.any():
        fallback = table["study_instance_uid"].where(
            table["study_instance_uid"].notna(), table["path"])
        ids[missing] = "unknown:" + fallback[missing]
        warnings.warn(
            f"load_dicom_folder: {int(missing.sum())} file(s) have no PatientID, e.g. "
            f"{table.loc[missing, 'path'].iloc[0]}; each study got its own patient id "
            f"'{source}:unknown:<StudyInstanceUID>' (files of one patient may then be split "
            "apart)",
            UserWarning, stacklevel=caller_stacklevel())
    return f"{source}:" + ids.astype(str)


def _labels(table, labels, label_key, root):
    if labels is None:
        return np.nan
    if label_key not in table.columns:
        raise ValueError(
            f"label_key={label_key!r} is not a column of the table; columns are "
            f"{sorted(table.columns)}")
    keys = table[label_key]
    found = keys.map(lambda k: labels.get(k, np.nan) if k is not None else np.nan)
    if label_key == "path":  # keys relative to root, with /
        relative = keys.map(lambda p: os.path.relpath(p, root).replace(os.sep, "/"))
        found = found.where(found.notna(), relative.map(lambda k: labels.get(k, np.nan)))
    if found.isna().any():
        warnings.warn(
            f"load_dicom_folder: {int(found.isna().sum())} of {len(table)} image(s) have "
            f"no label in labels (by {label_key}), e.g. {keys[found.isna()].iloc[0]!r}; "
            "their label is NaN",
            UserWarning, stacklevel=caller_stacklevel())
    return found.to_numpy(dtype=object)
