"""Reader for the Kermany pediatric chest X-ray folders (Kaggle "Chest X-Ray Images (Pneumonia)")."""

import os
import re

import pandas as pd
from sklearn.utils._param_validation import validate_params

from ._base import IMAGE_EXTENSIONS, check_root

SPLITS = ("train", "test")
CLASSES = ("NORMAL", "PNEUMONIA")

# IM-0117-0001.jpeg, NORMAL2-IM-0383-0001.jpeg, person1430_bacteria_3695.jpeg
_PATIENT_PATTERNS = (
    re.compile(r"^(NORMAL2-IM-\d+)-"),
    re.compile(r"^(IM-\d+)-"),
    re.compile(r"^(person\d+)_"),
)
_SUBTYPE = re.compile(r"_(bacteria|virus)_", re.IGNORECASE)


def _patient_from_name(name):
    for pattern in _PATIENT_PATTERNS:
        match = pattern.match(name)
        if match:
            return match.group(1)
    return None


@validate_params({"root": [str, os.PathLike]}, prefer_skip_nested_validation=True)
def load_pneumonia_folders(root):
    """List the Kermany chest X-ray folders as a table.

    The layout is ``<root>/{train,test}/{NORMAL,PNEUMONIA}/<file>`` as
    distributed on Kaggle. The patient id is parsed from the file name:
    ``IM-NNNN`` and ``NORMAL2-IM-NNNN`` for NORMAL images, ``personN`` for
    PNEUMONIA images. The folder layout is the source of truth (a
    ``manifest.csv`` beside it is not read).

    Parameters
    ----------
    root : str or path-like
        Folder holding ``train/`` and ``test/``. A split folder that is
        absent is skipped, but at least one must exist and every class
        folder of an existing split must hold images.

    Returns
    -------
    table : pandas.DataFrame
        One row per image, sorted by split, class and file name, with
        columns ``path`` (absolute ``str``), ``finding`` (``"NORMAL"`` /
        ``"PNEUMONIA"``), ``split`` (``"train"`` / ``"test"``),
        ``patientid`` (unprefixed, e.g. ``"IM-0117"``) and ``subtype``
        (``"normal"``, ``"bacteria"``, ``"virus"``, or ``"unknown"`` for a
        PNEUMONIA file name that says neither).

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist, has neither ``train/`` nor ``test/``, a
        split lacks ``NORMAL/`` or ``PNEUMONIA/``, or such a folder holds no
        image.
    ValueError
        If file names do not follow the Kermany naming (no patient id can be
        parsed); the first few are named.

    Examples
    --------
    >>> from skcxr.datasets import load_pneumonia_folders
    >>> table = load_pneumonia_folders("../shared/data/chest-xray-pneumonia")  # doctest: +SKIP
    >>> table.groupby(["split", "finding"]).size()  # doctest: +SKIP
    """
    root = check_root(root, "chest X-ray pneumonia folder")
    splits = [s for s in SPLITS if (root / s).is_dir()]
    if not splits:
        raise FileNotFoundError(
            f"{root} has neither train/ nor test/: expected the layout "
            "{train,test}/{NORMAL,PNEUMONIA}/<images>"
        )
    missing = [str(root / s / c) for s in splits for c in CLASSES if not (root / s / c).is_dir()]
    if missing:
        raise FileNotFoundError(f"class folder(s) missing: {', '.join(missing)}")
    rows = []
    for split in splits:
        for finding in CLASSES:
            folder = root / split / finding
            files = sorted(
                p for p in folder.iterdir()
                if p.is_file() and not p.name.startswith(".")
                and p.suffix.lower() in IMAGE_EXTENSIONS
            )
            if not files:
                raise FileNotFoundError(f"no image files in {folder}")
            for p in files:
                match = _SUBTYPE.search(p.name)
                if match:
                    subtype = match.group(1).lower()
                else:
                    subtype = "normal" if finding == "NORMAL" else "unknown"
                rows.append({
                    "path": str(p),
                    "finding": finding,
                    "split": split,
                    "patientid": _patient_from_name(p.name),
                    "subtype": subtype,
                })
    table = pd.DataFrame(rows)
    bad = table.loc[table["patientid"].isna(), "path"]
    if len(bad):
        raise ValueError(
            f"{len(bad)} file name(s) in {root} do not follow the Kermany naming "
            f"(IM-NNNN-..., NORMAL2-IM-NNNN-..., personN_...), so no patient id can be "
            f"parsed, e.g. {', '.join(bad.head(5))}"
        )
    return table
