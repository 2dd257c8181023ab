"""make_covid_dataset_from_root: every source from one data folder."""

import inspect

from sklearn.utils._param_validation import validate_parameter_constraints, validate_params

from ._assemble import _FOLDER, COVID_SOURCE, _check_healthy, make_covid_dataset
from ._base import check_root
from ._healthy import KERMANY


def _check_data_root(data_root):
    """Raise, with the folder to pass instead, when data_root holds no COVID collection."""
    if (data_root / COVID_SOURCE).is_dir():
        return
    if (data_root / "metadata.csv").is_file():
        raise FileNotFoundError(
            f"{data_root} holds a metadata.csv but no {COVID_SOURCE}/ folder: it looks like "
            "one source's folder, not the data folder holding every source. Pass its parent, "
            f"make_covid_dataset_from_root({str(data_root.parent)!r}), or call "
            f"make_covid_dataset({str(data_root)!r}, pneumonia_root=...) directly"
        )
    below = sorted(str(d) for d in data_root.iterdir() if (d / COVID_SOURCE).is_dir())
    if below:
        raise FileNotFoundError(
            f"{data_root} has no {COVID_SOURCE}/ folder but {below[0]} has: the data folder "
            f"is one level down; pass make_covid_dataset_from_root({below[0]!r})"
        )
    folders = sorted(d.name for d in data_root.iterdir() if d.is_dir())
    raise FileNotFoundError(
        f"{data_root} has no {COVID_SOURCE}/ folder (it holds {folders}); data_root must be "
        f"the folder holding {COVID_SOURCE}/, {KERMANY}/ and any healthy folders"
    )



@validate_params(
    {"data_root": _FOLDER, "healthy_roots": [dict, None]},
    # **params are validated against make_covid_dataset's constraints up front
    prefer_skip_nested_validation=True,
)
def make_covid_dataset_from_root(data_root, *, healthy_roots=None, **params):
    """Build :func:`make_covid_dataset` from one folder holding every source.

    ``data_root`` holds ``covid-chestxray/``, optionally
    ``chest-xray-pneumonia/``, and any number of healthy folders with a
    ``metadata.csv`` (such as ``adult-normal/``), each available as a
    healthy source under its folder name.

    Parameters
    ----------
    data_root : str or path-like
        The folder, e.g. ``"../shared/data"``. Given one of its source
        folders, or the folder above it, the error says which folder to pass.
    healthy_roots : dict, default=None
        Extra or overriding ``{source: folder}`` entries.
    **params
        Passed on to :func:`make_covid_dataset` (``healthy``, ``views``,
        ``balance``, ``random_state``, ...).

    Returns
    -------
    table : pandas.DataFrame
        As :func:`make_covid_dataset`.

    Examples
    --------
    >>> from skcxr.datasets import make_covid_dataset_from_root
    >>> table = make_covid_dataset_from_root(
    ...     "../shared/data", healthy="adult-normal")  # doctest: +SKIP
    """
    # **params go to make_covid_dataset: check them before any folder is scanned
    passed_on = set(inspect.signature(make_covid_dataset).parameters) - {
        "covid_root", "pneumonia_root", "healthy_roots"}
    unknown = sorted(set(params) - passed_on)
    if unknown:
        raise TypeError(
            f"make_covid_dataset_from_root got unexpected keyword argument(s) {unknown}; "
            f"its **params go to make_covid_dataset, which takes {sorted(passed_on)}"
        )
    validate_parameter_constraints(
        make_covid_dataset._skl_parameter_constraints, params,
        caller_name="make_covid_dataset_from_root")
    data_root = check_root(data_root, "data folder")
    _check_data_root(data_root)
    pneumonia = data_root / KERMANY
    roots = {
        d.name: d for d in sorted(data_root.iterdir())
        if d.is_dir() and d.name not in (COVID_SOURCE, KERMANY) and (d / "metadata.csv").is_file()
    }
    roots.update(healthy_roots or {})
    if params.get("balance", True):
        found = dict(roots, **({KERMANY: pneumonia} if pneumonia.is_dir() else {}))
        _check_healthy(params.get("healthy", KERMANY), found, data_root)
    return make_covid_dataset(
        data_root / COVID_SOURCE, pneumonia if pneumonia.is_dir() else None,
        healthy_roots=roots, **params)
