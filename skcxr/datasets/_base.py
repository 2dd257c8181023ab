"""Helpers shared by the dataset loaders: path checks, the table contract."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..utils._stack import caller_stacklevel

#: Columns every assembled table carries, in this order (see the team contract).
TABLE_COLUMNS = ["path", "label", "patientid", "source", "view", "finding", "sex", "age"]

#: The two labels; ``"covid"`` is the positive class.
LABELS = ("covid", "non-covid")

#: File name endings read as images when a folder is scanned.
IMAGE_EXTENSIONS = (".jpeg", ".jpg", ".png", ".bmp", ".tif", ".tiff")


def check_root(root, what="data folder"):
    """Return ``root`` as an absolute :class:`~pathlib.Path`; raise if it is no folder."""
    if root is None:
        raise ValueError(f"no {what} given (got None)")
    path = Path(root).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{what} does not exist: {path}")
    if not path.is_dir():
        raise NotADirectoryError(f"{what} is not a folder: {path}")
    return path.resolve()


def read_metadata(csv_path, required, dtype=None):
    """Read a metadata CSV and check that it has the ``required`` columns."""
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise FileNotFoundError(f"metadata file not found: {csv_path}")
    try:
        table = pd.read_csv(csv_path, dtype=dtype, encoding_errors="replace")
    except pd.errors.EmptyDataError:
        raise ValueError(
            f"metadata file {csv_path} is empty (no header, no rows): it should be a CSV "
            f"whose header holds the columns {list(required)} and one row per image"
        ) from None
    # upstream files end every line with a comma: drop that empty, unnamed column
    unnamed = [
        c for c in table.columns if str(c).startswith("Unnamed:") and table[c].isna().all()
    ]
    table = table.drop(columns=unnamed)
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ValueError(
            f"{csv_path} lacks the expected column(s) {missing}; "
            f"it has {list(table.columns)}"
        )
    if table.empty:
        raise ValueError(
            f"metadata file {csv_path} has a header but no rows: it lists no image; "
            "add one row per image"
        )
    return table


def handle_missing_files(table, on_missing, where):
    """Check that every ``table.path`` exists; raise or drop-with-warning otherwise."""
    if on_missing not in ("raise", "warn"):
        raise ValueError(f"on_missing must be 'raise' or 'warn', got {on_missing!r}")
    exists = np.array([Path(p).is_file() for p in table["path"]], dtype=bool)
    n_missing = int((~exists).sum())
    if n_missing == 0:
        return table
    first = ", ".join(table.loc[~exists, "path"].head(5))
    msg = f"{n_missing} of {len(table)} image file(s) listed in {where} are missing, e.g. {first}"
    if on_missing == "raise":
        raise FileNotFoundError(msg + "; pass on_missing='warn' to drop those rows")
    warnings.warn(msg + f"; dropped those {n_missing} row(s)", UserWarning,
                  stacklevel=caller_stacklevel())
    return table.loc[exists].reset_index(drop=True)


def prefix_ids(source, ids, *, paths=None, where=None):
    """Prefix patient ids with their source (``"covid-chestxray:19"``) so they never collide.

    A blank id (missing, empty or white space) is never merged with other
    blank ones into one invented patient: its row gets an id of its own,
    ``"<source>:unknown-<row>"`` (``<row>`` the row's label in ``ids``, e.g.
    its metadata row), and a :class:`UserWarning` counts them and names the
    first few files (``paths``), since a grouped split cannot keep such images
    of one patient together.
    """
    ids = pd.Series(ids, dtype=object)
    blank = (ids.isna() | (ids.astype(str).str.strip() == "")).to_numpy()
    out = [
        f"{source}:unknown-{row}" if missing else f"{source}:{pid}"
        for row, pid, missing in zip(ids.index, ids.astype(str), blank)
    ]
    if blank.any():
        shown = ", ".join(
            Path(str(p)).name for p in np.asarray(paths, dtype=object)[blank][:3]
        ) if paths is not None else ""
        warnings.warn(
            f"{where or source}: {int(blank.sum())} of {len(ids)} row(s) have a blank "
            f"patientid{', e.g. ' + shown if shown else ''}; each gets its own patient id "
            f"('{source}:unknown-<row>'), so a grouped split treats them as different "
            "patients: fill in their patientid to keep one patient's images together",
            UserWarning, stacklevel=caller_stacklevel(),
        )
    return out
