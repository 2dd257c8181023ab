"""Reader for a generic folder of healthy chest X-rays described by a ``metadata.csv``."""

import os
import warnings

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import StrOptions, validate_params

from ._base import check_root, handle_missing_files, prefix_ids, read_metadata
from ._pneumonia import load_pneumonia_folders

HEALTHY_REQUIRED_COLUMNS = ["path", "finding", "patientid"]
_OPTIONAL_COLUMNS = ["view", "sex", "age"]


@validate_params(
    {"root": [str, os.PathLike], "source": [str, None],
     "on_missing": [StrOptions({"raise", "warn"})]},
    prefer_skip_nested_validation=True,
)
def load_healthy_folder(root, *, source=None, on_missing="raise"):
    """Load a folder of healthy chest X-rays described by ``metadata.csv``.

    The folder holds the images and a ``metadata.csv`` with at least the
    columns ``path`` (relative to the folder, or absolute), ``finding`` and
    ``patientid``; ``view``, ``sex`` and ``age`` are used when present (blank
    otherwise). ``../shared/data/adult-normal`` has this layout.

    Parameters
    ----------
    root : str or path-like
        The folder.
    source : str, default=None
        Name of the source, written to the ``source`` column; defaults to the
        folder's name (``"adult-normal"``).
    on_missing : {"raise", "warn"}, default="raise"
        What to do with rows whose image file does not exist (see
        :func:`load_covid_chestxray`).

    Returns
    -------
    table : pandas.DataFrame
        The metadata with ``path`` made absolute, ``patientid`` as an
        unprefixed string, ``source`` set (a ``source`` column of the file,
        if any, is renamed ``origin``), and ``view``, ``sex``, ``age``
        present (NaN where unknown).

    Raises
    ------
    FileNotFoundError
        If the folder, its ``metadata.csv`` or (with ``on_missing="raise"``)
        listed images do not exist.
    ValueError
        If ``metadata.csv`` lacks ``path``, ``finding`` or ``patientid``, or
        has no rows.

    Examples
    --------
    >>> from skcxr.datasets import load_healthy_folder
    >>> table = load_healthy_folder("../shared/data/adult-normal")  # doctest: +SKIP
    >>> table["finding"].value_counts()  # doctest: +SKIP
    """
    root = check_root(root, "healthy X-ray folder")
    table = read_metadata(
        root / "metadata.csv", HEALTHY_REQUIRED_COLUMNS, dtype={"patientid": str}
    )
    table["path"] = [str((root / p).resolve()) for p in table["path"].astype(str)]
    for column in _OPTIONAL_COLUMNS:
        if column not in table.columns:
            table[column] = np.nan
    if "source" in table.columns:  # a free-text provenance column: keep it as "origin"
        table = table.rename(columns={"source": "origin"})
    table["source"] = source if source is not None else root.name
    return handle_missing_files(table, on_missing, root / "metadata.csv")


#: Findings read as "healthy" in a healthy folder's metadata (compared lower-case).
HEALTHY_FINDINGS = ("no finding", "normal")

#: The Kermany folders: their NORMAL images are the study's healthy images.
KERMANY = "chest-xray-pneumonia"


def healthy_pool(source, root, *, on_missing="raise", listing=None):
    """Healthy images of one source in the table contract (label ``non-covid``).

    ``listing``: for Kermany, the table of :func:`load_pneumonia_folders` if
    the caller has listed the folders already (they are then not listed again).
    """
    if source == KERMANY:
        table = load_pneumonia_folders(root) if listing is None else listing
        table = table[table["finding"] == "NORMAL"].copy()
        # Kermany documents every image as a pediatric anterior-posterior film
        table["view"], table["sex"], table["age"] = "AP", np.nan, np.nan
    else:
        table = load_healthy_folder(root, source=source, on_missing=on_missing)
        healthy = table["finding"].astype(str).str.strip().str.lower().isin(HEALTHY_FINDINGS)
        if not healthy.all():
            warnings.warn(
                f"{source}: {int((~healthy).sum())} of {len(table)} image(s) are not labelled "
                f"healthy ({'/'.join(HEALTHY_FINDINGS)}) and are not used as healthy images, "
                f"e.g. {', '.join(table.loc[~healthy, 'path'].head(3))}",
                UserWarning, stacklevel=3,
            )
        table = table[healthy].copy()
        table["split"] = table["split"] if "split" in table.columns else np.nan
    table["source"] = source
    table["finding"] = "No Finding"
    table["label"] = "non-covid"
    table["patientid"] = prefix_ids(source, table["patientid"], paths=table["path"],
                                    where=f"healthy source '{source}'")
    table["age"] = pd.to_numeric(table["age"], errors="coerce")
    return table.reset_index(drop=True)


def check_healthy_mix(healthy):
    """Normalise ``healthy`` (a source name or {name: weight}) to {name: fraction}."""
    if isinstance(healthy, str):
        return {healthy: 1.0}
    if not isinstance(healthy, dict) or not healthy:
        raise TypeError(
            "healthy must be a source name (e.g. 'chest-xray-pneumonia') or a non-empty "
            f"dict {{source: fraction}}, got {healthy!r}"
        )
    weights = {}
    for name, weight in healthy.items():
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise TypeError(f"healthy[{name!r}] must be a number, got {weight!r}") from None
        if not np.isfinite(weight) or weight < 0:
            raise ValueError(f"healthy[{name!r}] must be a finite fraction >= 0, got {weight}")
        weights[str(name)] = weight
    total = sum(weights.values())
    if total <= 0:
        raise ValueError(f"healthy fractions sum to {total}; at least one must be > 0")
    return {name: w / total for name, w in weights.items() if w > 0}


def allocate(n, fractions):
    """Split ``n`` images among sources by ``fractions`` (largest remainder, exact total)."""
    names = sorted(fractions)
    quotas = np.array([n * fractions[k] for k in names])
    counts = np.floor(quotas).astype(int)
    order = np.argsort(-(quotas - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return dict(zip(names, counts.tolist()))
