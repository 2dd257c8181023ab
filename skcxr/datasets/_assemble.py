"""The study's cleaning rules: from the raw folders to a labelled, balanced table."""

import os
import re
import warnings
from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._base import TABLE_COLUMNS, check_root, prefix_ids
from ._views import FRONTAL_VIEWS, check_views, frontal_xrays
from ._covid_chestxray import load_covid_chestxray
from ._duplicates import find_duplicate_images
from ._healthy import KERMANY, allocate, check_healthy_mix, healthy_pool

COVID_SOURCE = "covid-chestxray"

_COVID = re.compile(r"covid-?19", re.IGNORECASE)


class DuplicateImageWarning(UserWarning):
    """The same picture was found under two names or two patient ids."""


def _duplicate_pairs(paths, threshold):
    """:func:`find_duplicate_images`, naming the image that cannot be decoded."""
    try:
        return find_duplicate_images(paths, threshold=threshold)
    except Exception as exc:  # noqa: BLE001 - re-raised with the file named
        # find the culprit when the message does not already name it
        culprit = next((p for p in paths if str(p) in str(exc)), None)
        if culprit is None:
            for path in paths:
                try:
                    find_duplicate_images([path, path], threshold=threshold)
                except Exception:  # noqa: BLE001 - the same failure, now with its file
                    culprit = path
                    break
        bomb = isinstance(exc, Image.DecompressionBombError) or "decompression bomb" in str(exc)
        advice = (
            "if you trust the file, raise PIL.Image.MAX_IMAGE_PIXELS; or remove the file"
            if bomb else "replace or remove the file"
        )
        message = (
            f"{COVID_SOURCE}: cannot decode image {culprit or '(unknown file)'} while comparing "
            f"images for duplicate pictures: {exc}; {advice}, or pass deduplicate=False "
            "to skip the comparison"
        )
        try:
            error = type(exc)(message)
        except TypeError:  # an exception type that takes other arguments
            error = ValueError(message)
        raise error from exc


class _PatientLinks:
    """Union-find over patient ids; each group is named by its earliest id."""

    def __init__(self, order):
        self.rank = {pid: i for i, pid in enumerate(dict.fromkeys(order))}
        self.parent = {}

    def find(self, pid):
        while self.parent.get(pid, pid) != pid:
            pid = self.parent[pid]
        return pid

    def link(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            first, second = sorted((a, b), key=self.rank.get)
            self.parent[second] = first


def _clean_covid_collection(covid_root, views, deduplicate, threshold, on_missing, say,
                            meta=None):
    """Apply the study's rules to the COVID-19 collection; return the table and notes.

    ``meta``: the collection's metadata if the caller has read it already.
    """
    if meta is None:
        meta = load_covid_chestxray(covid_root, on_missing=on_missing)
    say(f"{COVID_SOURCE}: {len(meta)} metadata rows")
    meta = frontal_xrays(meta, views, COVID_SOURCE)
    say(f"{COVID_SOURCE}: {len(meta)} X-ray rows with view in {list(views)}")
    table = pd.DataFrame({
        "path": meta["path"].to_numpy(),
        "label": np.where(meta["finding"].astype(str).str.contains(_COVID), "covid", "non-covid"),
        "patientid": prefix_ids(COVID_SOURCE, meta["patientid"], paths=meta["path"]),
        "source": COVID_SOURCE,
        "view": meta["view"].to_numpy(),
        "finding": meta["finding"].to_numpy(),
        "sex": meta["sex"].to_numpy(),
        "age": pd.to_numeric(meta["age"], errors="coerce").to_numpy(),
        "split": np.nan,
    })
    links = _PatientLinks(table["patientid"])
    notes = []
    # rule: the same file referenced by several rows counts once
    key = table["path"].map(lambda p: str(Path(p).resolve()))
    repeated = key.duplicated(keep="first")
    for path, group in table[key.duplicated(keep=False)].groupby(key, sort=False):
        ids = list(dict.fromkeys(group["patientid"]))
        for pid in ids[1:]:
            links.link(ids[0], pid)
        notes.append(f"{Path(path).name} referenced by {len(group)} rows ({', '.join(ids)})")
    table = table[~repeated.to_numpy()].reset_index(drop=True)
    # rule: the same picture under different patient ids is kept once
    if deduplicate and len(table) > 1:
        say(f"{COVID_SOURCE}: comparing {len(table)} images for duplicate pictures")
        pairs = _duplicate_pairs(list(table["path"]), threshold)
        drop = set()
        for i, j, r in pairs[["first", "second", "correlation"]].itertuples(index=False):
            pid_i, pid_j = table.at[i, "patientid"], table.at[j, "patientid"]
            if pid_i == pid_j:
                continue  # follow-up films of one patient: both kept, grouped already
            links.link(pid_i, pid_j)
            if i not in drop and j not in drop:
                drop.add(j)
                clash = "" if table.at[i, "label"] == table.at[j, "label"] else (
                    f", labels differ: kept {table.at[i, 'label']}")
                notes.append(
                    f"{Path(table.at[j, 'path']).name} ({pid_j}) is the picture "
                    f"{Path(table.at[i, 'path']).name} ({pid_i}), r={r:.3f}{clash}"
                )
        table = table.drop(index=sorted(drop)).reset_index(drop=True)
    merged = {pid: links.find(pid) for pid in table["patientid"].unique()}
    merged = {a: b for a, b in merged.items() if a != b}
    if merged:
        notes.append("patient ids merged: " + ", ".join(f"{a}->{b}" for a, b in merged.items()))
        table["patientid"] = table["patientid"].replace(merged)
    return table, notes


def _healthy_roots(pneumonia_root, healthy_roots):
    roots = {str(k): v for k, v in (healthy_roots or {}).items()}
    if pneumonia_root is not None:
        roots[KERMANY] = pneumonia_root
    return roots


def _check_healthy(healthy, roots, data_root=None):
    fractions = check_healthy_mix(healthy)
    missing = [name for name in fractions if name not in roots]
    if missing and data_root is None:
        raise ValueError(
            f"no folder given for healthy source(s) {missing}: pass pneumonia_root= for "
            f"'{KERMANY}' and healthy_roots={{name: folder}} for the others "
            f"(given: {sorted(roots)})"
        )
    if missing:  # make_covid_dataset_from_root: the folders were looked for in data_root
        raise ValueError(
            f"no folder for healthy source(s) {missing} in {data_root}: expected "
            f"{data_root / missing[0]}/ ('{KERMANY}': the Kermany train/ and test/ folders; "
            "any other source: a folder with a metadata.csv); healthy sources found there: "
            f"{sorted(roots)}. Pass healthy= one of those, or healthy_roots={{name: folder}}"
        )
    return fractions


def _add_healthy(table, healthy, roots, random_state, on_missing, say):
    fractions = check_healthy_mix(healthy)
    n_covid = int((table["label"] == "covid").sum())
    need = n_covid - int((table["label"] == "non-covid").sum())
    if need < 0:
        warnings.warn(
            f"{-need} more non-covid than covid images: adding healthy images cannot "
            "balance the classes; none added", UserWarning, stacklevel=3)
    if need <= 0:
        return table
    counts = allocate(need, fractions)
    rng = check_random_state(random_state)
    parts = [table]
    for name, k in counts.items():
        if k == 0:
            continue
        pool = healthy_pool(name, check_root(roots[name], f"healthy source '{name}'"),
                            on_missing=on_missing)
        if k > len(pool):
            raise ValueError(
                f"healthy source '{name}' has {len(pool)} healthy images but {k} are "
                f"needed to balance {n_covid} covid images (mix {fractions}); lower its "
                "fraction, add another source, or pass balance=False"
            )
        say(f"{name}: adding {k} of {len(pool)} healthy images")
        pick = np.sort(rng.choice(len(pool), size=k, replace=False))
        parts.append(pool.iloc[pick])
    return pd.concat(parts, ignore_index=True)


_FOLDER = [str, os.PathLike]


@validate_params(
    {
        "covid_root": _FOLDER,
        "pneumonia_root": _FOLDER + [None],
        "views": [str, list, tuple],
        "balance": ["boolean"],
        # "healthy" (a name or {name: fraction}) keeps its own check, check_healthy_mix,
        # which also checks the fractions and says what a mix looks like
        "healthy": "no_validation",
        "healthy_roots": [dict, None],
        "random_state": ["random_state"],
        "deduplicate": ["boolean"],
        "duplicate_threshold": [Interval(Real, 0, 1, closed="right")],
        "on_missing": [StrOptions({"raise", "warn"})],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=True,
)
def make_covid_dataset(
    covid_root,
    pneumonia_root=None,
    *,
    views=("PA", "AP", "AP Supine"),
    balance=True,
    healthy=KERMANY,
    healthy_roots=None,
    random_state=0,
    deduplicate=True,
    duplicate_threshold=0.97,
    on_missing="raise",
    verbose=0,
):
    """Build the study's labelled covid / non-covid table from the raw folders.

    The cleaning rules, in order:

    1. modality ``X-ray`` only (CT scans dropped);
    2. frontal views only, those named in ``views`` (lateral ``L``, ``Axial``
       and ``Coronal`` never kept). Modality and view names are compared
       ignoring case and extra spaces (``"pa"``, ``"Ap supine"``); the table
       holds the names of :data:`FRONTAL_VIEWS`. No row left raises
       :class:`ValueError` counting the modalities and views found;
    3. label ``"covid"`` when the finding names COVID-19 (``"COVID-19, ARDS"``
       is covid), ``"non-covid"`` otherwise (other pneumonias, SARS, ARDS,
       ``No Finding``);
    4. a file referenced by several rows counts once (the first row);
    5. pictures found twice under different patient ids (see
       :func:`find_duplicate_images`) are kept once, and the patient ids
       linked by a shared picture or file are merged into the earliest one, so
       that grouping by ``patientid`` keeps them on one side of a split. Rules
       4 and 5 are reported in a :class:`DuplicateImageWarning`;
    6. when ``balance``, healthy images are drawn at random, without
       replacement, from the ``healthy`` source(s) until there are as many
       non-covid as covid images.

    A row with a blank ``patientid`` is not merged with the other blank ones
    into one invented patient: it gets an id of its own,
    ``"covid-chestxray:unknown-<metadata row>"``, and a :class:`UserWarning`
    names such files (a grouped split cannot keep their patient together:
    fill in the ids to do so). Healthy folders follow the same rule.

    Parameters
    ----------
    covid_root : str or path-like
        Folder of the COVID-19 image data collection (``metadata.csv`` +
        ``images/``), see :func:`load_covid_chestxray`.
    pneumonia_root : str or path-like, default=None
        Folder of the Kermany ``{train,test}/{NORMAL,PNEUMONIA}`` images, see
        :func:`load_pneumonia_folders`; its NORMAL images are the source
        ``"chest-xray-pneumonia"``. Needed only when that source is drawn from.
    views : str or sequence of str, default=("PA", "AP", "AP Supine")
        Frontal views kept, among ``"PA"``, ``"AP"``, ``"AP Supine"``,
        ``"AP Erect"`` (case ignored). Any other name raises :class:`ValueError`.
    balance : bool, default=True
        Add healthy images until the classes balance.
    healthy : str or dict, default="chest-xray-pneumonia"
        Where healthy images come from: a source name, or a dict
        ``{source: fraction}`` mixing several (fractions are normalised to sum
        to one; counts are split by largest remainder, so they add up exactly).
        ``"chest-xray-pneumonia"`` is the study's choice (pediatric normals);
        any other name is a folder with a ``metadata.csv`` given in
        ``healthy_roots`` (see :func:`load_healthy_folder`), e.g.
        ``{"chest-xray-pneumonia": 0.5, "adult-normal": 0.5}``.
    healthy_roots : dict, default=None
        ``{source: folder}`` for the healthy sources other than
        ``"chest-xray-pneumonia"``, e.g. ``{"adult-normal": ".../adult-normal"}``.
    random_state : int, RandomState instance or None, default=0
        Seeds the draw of healthy images: the same seed gives the same table.
    deduplicate : bool, default=True
        Apply rule 5 (decodes every image once as a small thumbnail, a few
        seconds on the real collection; thumbnails are cached per process).
        An image that cannot be decoded (corrupt, or a decompression bomb
        over ``PIL.Image.MAX_IMAGE_PIXELS``) raises, naming the file.
    duplicate_threshold : float, default=0.97
        Thumbnail correlation from which two images are the same picture.
    on_missing : {"raise", "warn"}, default="raise"
        Rows whose image file is missing: raise, or drop with a warning.
    verbose : int, default=0
        Print each step when > 0.

    Returns
    -------
    table : pandas.DataFrame
        One row per image: ``path`` (absolute), ``label``, ``patientid``
        (prefixed by its source, e.g. ``"covid-chestxray:19"``), ``source``,
        ``view``, ``finding`` (healthy images: ``"No Finding"``), ``sex``,
        ``age`` (float, NaN when unknown) and ``split`` (the Kermany split of
        its images, NaN elsewhere). COVID-collection rows come first, in
        metadata order.

    Raises
    ------
    ValueError
        Unknown view name, bad ``healthy`` mix, a healthy source without a
        folder, a source with fewer healthy images than needed, a metadata
        file without rows, or no frontal X-ray row.
    FileNotFoundError
        A folder, metadata file or (``on_missing="raise"``) image is missing.

    See Also
    --------
    make_covid_dataset_from_root : The same from one data folder.
    summarize_dataset : A one-line summary of the table.

    Examples
    --------
    >>> from skcxr.datasets import make_covid_dataset, summarize_dataset
    >>> table = make_covid_dataset(
    ...     "../shared/data/covid-chestxray", "../shared/data/chest-xray-pneumonia",
    ...     healthy={"chest-xray-pneumonia": 0.5, "adult-normal": 0.5},
    ...     healthy_roots={"adult-normal": "../shared/data/adult-normal"},
    ... )  # doctest: +SKIP
    >>> print(summarize_dataset(table))  # doctest: +SKIP
    """
    return _build_covid_dataset(
        covid_root, pneumonia_root, views=views, balance=balance, healthy=healthy,
        healthy_roots=healthy_roots, random_state=random_state, deduplicate=deduplicate,
        duplicate_threshold=duplicate_threshold, on_missing=on_missing, verbose=verbose)


def _build_covid_dataset(covid_root, pneumonia_root, *, views, balance, healthy, healthy_roots,
                         random_state, deduplicate, duplicate_threshold, on_missing, verbose,
                         meta=None):
    """make_covid_dataset's work; ``meta``: the collection's metadata, if read already."""
    views = check_views(views)
    roots = _healthy_roots(pneumonia_root, healthy_roots)
    if balance:
        _check_healthy(healthy, roots)  # fail on a bad mix before any slow work

    def say(message):
        if verbose:
            print(f"[make_covid_dataset] {message}", flush=True)

    table, notes = _clean_covid_collection(
        covid_root, views, deduplicate, duplicate_threshold, on_missing, say, meta=meta)
    if notes:
        warnings.warn(
            f"{COVID_SOURCE}: {len(notes)} duplicate note(s): " + "; ".join(notes),
            DuplicateImageWarning, stacklevel=2)
    if balance:
        table = _add_healthy(table, healthy, roots, random_state, on_missing, say)
    table = table[TABLE_COLUMNS + ["split"]].reset_index(drop=True)
    say(f"done: {len(table)} images")
    return table
