"""make_covid_dataset_from_root: every source from one data folder."""

import inspect

from sklearn.utils._param_validation import (
    StrOptions, validate_parameter_constraints, validate_params)

from ._assemble import _FOLDER, COVID_SOURCE, _check_healthy, make_covid_dataset
from ._base import check_root
from ._healthy import KERMANY
from ._sources import make_multisource_dataset


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



#: ``recipe`` values of :func:`make_covid_dataset_from_root`.
RECIPES = ("multisource", "study")
#: Options that only the study's table (healthy top-up) takes.
_STUDY_ONLY = ("healthy", "balance", "healthy_roots")


@validate_params(
    {"data_root": _FOLDER, "recipe": [StrOptions(set(RECIPES))], "healthy_roots": [dict, None]},
    # **params are validated against make_covid_dataset's constraints up front
    prefer_skip_nested_validation=True,
)
def make_covid_dataset_from_root(data_root, *, recipe="multisource", healthy_roots=None,
                                 **params):
    """The training table from one folder holding every source.

    ``data_root`` holds ``covid-chestxray/``, optionally
    ``chest-xray-pneumonia/``, and any number of folders with a
    ``metadata.csv`` (such as ``adult-normal/``, ``tbx11k-tb/``).

    By default (``recipe="multisource"``) it is
    :func:`make_multisource_dataset`'s table: the cleaned COVID collection
    and, as many, non-COVID images drawn a quarter each from Kermany NORMAL,
    Kermany PNEUMONIA, ``adult-normal`` and ``tbx11k-tb``
    (:data:`MULTISOURCE_NEGATIVES`), the table whose models carried best to
    hospitals never seen. ``recipe="study"`` reproduces the 2020 study's
    table (:func:`make_covid_dataset`: healthy top-up from Kermany's pediatric
    NORMAL folder); it reproduces the study and is not a recommendation: a
    model trained on it calls most healthy adults COVID-19.

    Parameters
    ----------
    data_root : str or path-like
        The folder, e.g. ``"../shared/data"``. Given one of its source
        folders, or the folder above it, the error says which folder to pass.
    recipe : {"multisource", "study"}, default="multisource"
        Which table.
    healthy_roots : dict, default=None
        ``recipe="study"`` only: extra or overriding ``{source: folder}``
        healthy folders.
    **params
        Passed on to :func:`make_multisource_dataset` (``negatives``,
        ``n_negatives``, ``split_covid_by``, ``random_state``, ``views``, ...)
        or, with ``recipe="study"``, to :func:`make_covid_dataset`
        (``healthy``, ``balance``, ``views``, ``random_state``, ...).

    Returns
    -------
    table : pandas.DataFrame
        As :func:`make_covid_dataset`.

    Examples
    --------
    >>> from skcxr.datasets import make_covid_dataset_from_root
    >>> table = make_covid_dataset_from_root("../shared/data")  # doctest: +SKIP
    >>> study = make_covid_dataset_from_root("../shared/data", recipe="study")  # doctest: +SKIP
    """
    # **params go on: check them before any folder is scanned
    if recipe == "multisource":
        study_only = sorted(set(params) & set(_STUDY_ONLY)
                            | ({"healthy_roots"} if healthy_roots is not None else set()))
        if study_only:
            raise TypeError(
                f"make_covid_dataset_from_root: {study_only} choose the 2020 study's healthy "
                "top-up; pass recipe='study' with them, or choose the multi-source table's "
                "non-COVID pools with negatives={pool: fraction}")
        target = make_multisource_dataset
        passed_on = (set(inspect.signature(make_multisource_dataset).parameters)
                     | set(inspect.signature(make_covid_dataset).parameters)) - {
            "data_root", "covid_root", "pneumonia_root", "params", *_STUDY_ONLY}
    else:
        target = make_covid_dataset
        passed_on = set(inspect.signature(make_covid_dataset).parameters) - {
            "covid_root", "pneumonia_root", "healthy_roots"}
    unknown = sorted(set(params) - passed_on)
    if unknown:
        raise TypeError(
            f"make_covid_dataset_from_root got unexpected keyword argument(s) {unknown}; "
            f"with recipe={recipe!r} its **params go to {target.__name__}, which takes "
            f"{sorted(passed_on)}"
        )
    if recipe == "multisource":
        data_root = check_root(data_root, "data folder")
        _check_data_root(data_root)
        return make_multisource_dataset(data_root, **params)
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
