"""Tables mixing several non-COVID sources, and the COVID collection split by site.

Built on :func:`make_covid_dataset` (its cleaning rules, unchanged): the COVID
collection is cleaned there, then non-COVID images are drawn from any number
of named pools (healthy and diseased, e.g. Kermany NORMAL and PNEUMONIA,
``adult-normal``, ``tbx11k-tb``, a folder of your own) in the proportions the
caller sets.
"""

import inspect
import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval, StrOptions, validate_parameter_constraints, validate_params)

from ._assemble import _FOLDER, COVID_SOURCE, _build_covid_dataset, make_covid_dataset
from ._base import TABLE_COLUMNS, check_root, prefix_ids
from ._covid_chestxray import load_covid_chestxray
from ._folder import load_xray_folder
from ._healthy import KERMANY, allocate, check_healthy_mix, healthy_pool
from ._pneumonia import load_pneumonia_folders
from ._tbx11k import TBX11K, load_tbx11k

#: Pool name of the Kermany PNEUMONIA images (pediatric bacterial / viral
#: pneumonia, source ``"chest-xray-pneumonia"``): diseased non-COVID images.
KERMANY_PNEUMONIA = "chest-xray-pneumonia/PNEUMONIA"

#: Folder of the TBX11K images under a data root.
TBX11K_FOLDER = "tbx11k-tb"

#: The non-COVID mix measured best on held-out sources (benchmarks/bench_sources.py).
MULTISOURCE_NEGATIVES = {
    KERMANY: 0.25, KERMANY_PNEUMONIA: 0.25, "adult-normal": 0.25, TBX11K_FOLDER: 0.25,
}

_EUROPE = {"germany", "italy", "spain", "united kingdom", "portugal", "hungary", "belgium",
           "austria", "sweden", "denmark", "greece", "malta", "russia", "turkey", "france",
           "netherlands", "switzerland", "poland"}
_ASIA = {"china", "hong kong", "taiwan", "japan", "south korea", "korea", "vietnam",
         "singapore", "thailand", "philippines", "india", "malaysia", "indonesia"}
_SPLITS = ("location", "country", "region")


def _country(location):
    if not isinstance(location, str) or not location.strip():
        return "unknown"
    return location.split(",")[-1].strip() or "unknown"


def _region(location):
    country = _country(location).lower()
    if country in _EUROPE:
        return "europe"
    if country in _ASIA:
        return "asia"
    return "other"


def _kermany_pneumonia(listing):
    table = listing[listing["finding"] == "PNEUMONIA"].copy()
    table["finding"] = "Pneumonia (" + table["subtype"] + ")"
    table["label"], table["source"], table["view"] = "non-covid", KERMANY, "AP"
    table["sex"], table["age"] = np.nan, np.nan
    table["patientid"] = prefix_ids(KERMANY, table["patientid"])
    return table[TABLE_COLUMNS + ["split"]].reset_index(drop=True)


@validate_params(
    {"data_root": _FOLDER, "on_missing": [StrOptions({"raise", "warn"})]},
    prefer_skip_nested_validation=True,
)
def load_negative_pools(data_root, *, on_missing="raise"):
    """Every pool of non-COVID images under a data folder, by name.

    Parameters
    ----------
    data_root : str or path-like
        A folder such as ``../shared/data``.
    on_missing : {"raise", "warn"}, default="raise"
        Missing image files: raise, or drop with a warning.

    Returns
    -------
    pools : dict of str to pandas.DataFrame
        ``"chest-xray-pneumonia"`` (Kermany NORMAL), ``KERMANY_PNEUMONIA``
        (Kermany PNEUMONIA; source ``"chest-xray-pneumonia"``: one hospital),
        ``"tbx11k-tb"`` (source ``"tbx11k"``, see :func:`load_tbx11k`), and
        every other sub-folder with a ``metadata.csv``: with a ``label``
        column through :func:`load_xray_folder` (its non-COVID rows), else as
        a healthy folder (:func:`load_healthy_folder`, e.g. ``adult-normal``).
        Each table has the columns of :func:`make_covid_dataset`.

    Examples
    --------
    >>> from skcxr.datasets import load_negative_pools
    >>> pools = load_negative_pools("../shared/data")  # doctest: +SKIP
    >>> {name: len(t) for name, t in pools.items()}  # doctest: +SKIP
    """
    data_root = check_root(data_root, "data folder")
    pools = {}
    if (data_root / KERMANY).is_dir():
        listing = load_pneumonia_folders(data_root / KERMANY)  # listed once for both pools
        pools[KERMANY] = healthy_pool(KERMANY, data_root / KERMANY, listing=listing)
        pools[KERMANY_PNEUMONIA] = _kermany_pneumonia(listing)
    for folder in sorted(data_root.iterdir()):
        if folder.name in (COVID_SOURCE, KERMANY) or not (folder / "metadata.csv").is_file():
            continue
        if folder.name == TBX11K_FOLDER:
            table = load_tbx11k(folder, on_missing=on_missing)
        else:
            columns = pd.read_csv(folder / "metadata.csv", nrows=0).columns
            if "label" in columns:
                table = load_xray_folder(folder, on_missing=on_missing)
                table = table[table["label"] == "non-covid"]
            else:
                table = healthy_pool(folder.name, folder, on_missing=on_missing)
        pools[folder.name] = table[TABLE_COLUMNS + ["split"]].reset_index(drop=True)
    return pools


@validate_params(
    {"table": [pd.DataFrame], "covid_root": _FOLDER, "by": [StrOptions(set(_SPLITS))]},
    prefer_skip_nested_validation=True,
)
def split_covid_collection(table, covid_root, *, by="region"):
    """Rename the COVID collection's rows into sub-sources by their ``location``.

    Parameters
    ----------
    table : pandas.DataFrame
        A table from :func:`make_covid_dataset` (other sources pass unchanged).
    covid_root : str or path-like
        The collection's folder, whose ``metadata.csv`` has ``location``.
    by : {"location", "country", "region"}, default="region"
        ``"location"``: the raw text; ``"country"``: its last comma-separated
        part; ``"region"``: ``"europe"``, ``"asia"`` or ``"other"`` (Americas,
        Oceania, Middle East, Africa, and rows with no location). The source
        becomes ``"covid-chestxray@<name>"``. All images of a patient get the
        sub-source of the patient's first image, so a patient never spans two.

    Returns
    -------
    table : pandas.DataFrame
        A copy with ``source`` rewritten for the collection's rows.

    Examples
    --------
    >>> from skcxr.datasets import split_covid_collection
    >>> table = split_covid_collection(table, "../shared/data/covid-chestxray")  # doctest: +SKIP
    >>> table["source"].value_counts()  # doctest: +SKIP
    """
    meta = load_covid_chestxray(covid_root, on_missing="warn")
    return _split_by_site(table, meta, covid_root, by)


def _split_by_site(table, meta, covid_root, by):
    """split_covid_collection's work on the collection's metadata ``meta`` (read once)."""
    if "location" not in meta.columns:
        raise ValueError(f"{covid_root}/metadata.csv lacks the column 'location'")
    name = {"location": lambda s: s.strip() if isinstance(s, str) and s.strip() else "unknown",
            "country": _country, "region": _region}[by]
    where = dict(zip(meta["path"], meta["location"].map(name)))
    table = table.copy()
    rows = table["source"] == COVID_SOURCE
    site = table.loc[rows, "path"].map(where).fillna("unknown")
    first = site.groupby(table.loc[rows, "patientid"]).transform("first")
    table.loc[rows, "source"] = COVID_SOURCE + "@" + first
    return table


@validate_params(
    {
        "data_root": _FOLDER,
        # a pool name or {pool: fraction}: check_healthy_mix checks the fractions
        "negatives": [str, dict, None],
        "n_negatives": [StrOptions({"balance", "all"}), Interval(Integral, 0, None, closed="left")],
        "split_covid_by": [StrOptions(set(_SPLITS)), None],
        "tables": [dict, None],
        "random_state": ["random_state"],
    },
    # **params are validated against make_covid_dataset's constraints up front
    prefer_skip_nested_validation=True,
)
def make_multisource_dataset(
    data_root,
    *,
    negatives=None,
    n_negatives="balance",
    split_covid_by=None,
    tables=None,
    random_state=0,
    **params,
):
    """The COVID collection plus non-COVID images from several sources.

    The COVID-19 collection is cleaned by :func:`make_covid_dataset` (every
    rule unchanged, ``balance=False``); non-COVID images are then drawn at
    random (seeded, without replacement) from the pools named in
    ``negatives``, in the given proportions.

    Parameters
    ----------
    data_root : str or path-like
        Folder holding ``covid-chestxray/`` and the non-COVID folders (see
        :func:`load_negative_pools`).
    negatives : dict or str, default=None
        ``{pool: fraction}`` (a pool name alone: that pool only); ``None`` is
        :data:`MULTISOURCE_NEGATIVES` (a quarter each of Kermany NORMAL,
        Kermany PNEUMONIA, ``adult-normal`` and ``tbx11k-tb``). Fractions are
        normalised; counts split by largest remainder.
    n_negatives : "balance", "all" or int, default="balance"
        How many images to draw in total: ``"balance"`` as many as make the
        classes equal (the study's rule), an int that many, ``"all"`` every
        image of every pool with a fraction > 0 (fractions then only select).
    split_covid_by : {None, "location", "country", "region"}, default=None
        Rename the collection's rows into sub-sources, see
        :func:`split_covid_collection`.
    tables : dict of str to pandas.DataFrame, default=None
        Extra pools, e.g. ``{"my-hospital": load_xray_folder(...)}``; their
        non-COVID rows are used.
    random_state : int, RandomState instance or None, default=0
        Seeds the draws.
    **params
        Passed to :func:`make_covid_dataset` (``views``, ``deduplicate``, ...).

    Returns
    -------
    table : pandas.DataFrame
        As :func:`make_covid_dataset`: the collection's rows first, then each
        pool's draw in the order of ``negatives``.

    Raises
    ------
    ValueError
        An unknown pool name, a bad fraction, a pool with fewer images than
        its share, or a bad ``n_negatives`` / ``split_covid_by``.

    Examples
    --------
    >>> from skcxr.datasets import make_multisource_dataset
    >>> table = make_multisource_dataset(
    ...     "../shared/data", negatives={"adult-normal": 1, "tbx11k-tb": 1},
    ...     split_covid_by="region")  # doctest: +SKIP
    >>> table.groupby(["source", "label"]).size()  # doctest: +SKIP
    """
    # **params go to make_covid_dataset: check them before any folder is read
    passed_on = set(inspect.signature(make_covid_dataset).parameters) - {"covid_root", "balance"}
    unknown = sorted(set(params) - passed_on)
    if unknown:
        raise TypeError(
            f"make_multisource_dataset got unexpected keyword argument(s) {unknown}; its "
            f"**params go to make_covid_dataset (balance=False), which takes {sorted(passed_on)}")
    validate_parameter_constraints(make_covid_dataset._skl_parameter_constraints, params,
                                   caller_name="make_multisource_dataset")
    fractions = check_healthy_mix(MULTISOURCE_NEGATIVES if negatives is None else negatives)
    data_root = check_root(data_root, "data folder")
    on_missing = params.get("on_missing", "raise")
    pools = load_negative_pools(data_root, on_missing=on_missing)
    for name, extra in (tables or {}).items():
        pools[str(name)] = extra[extra["label"] == "non-covid"][TABLE_COLUMNS + ["split"]]
    unknown = [name for name in fractions if name not in pools]
    if unknown:
        raise ValueError(f"negatives names unknown pool(s) {unknown}; available: {sorted(pools)}")
    # The collection's metadata.csv is read once, for the cleaning and the split.
    covid_root = data_root / COVID_SOURCE
    meta = load_covid_chestxray(covid_root, on_missing=on_missing)
    call = inspect.signature(make_covid_dataset).bind(covid_root, balance=False, **params)
    call.apply_defaults()
    table = _build_covid_dataset(*call.args, **call.kwargs, meta=meta)
    if n_negatives == "balance":
        need = int((table["label"] == "covid").sum() - (table["label"] == "non-covid").sum())
        if need < 0:
            warnings.warn(f"{-need} more non-covid than covid images: no negatives added",
                          UserWarning, stacklevel=2)
        need = max(need, 0)
    else:
        need = n_negatives
    if n_negatives == "all":
        counts = {name: len(pools[name]) for name in fractions}
    else:
        counts = allocate(need, fractions)
    rng = check_random_state(random_state)
    parts = [table]
    for name in fractions:
        pool, k = pools[name].reset_index(drop=True), counts[name]
        if k > len(pool):
            raise ValueError(
                f"pool {name!r} has {len(pool)} images but {k} are needed for its share of "
                f"{need} negatives (mix {fractions}); lower its fraction or n_negatives")
        pick = np.sort(rng.choice(len(pool), size=k, replace=False))
        parts.append(pool.iloc[pick])
    table = pd.concat(parts, ignore_index=True)
    if split_covid_by is not None:
        table = _split_by_site(table, meta, covid_root, split_covid_by)
    return table[TABLE_COLUMNS + ["split"]].reset_index(drop=True)
