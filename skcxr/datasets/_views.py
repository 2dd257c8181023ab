"""View names of chest X-rays: the frontal views kept, compared ignoring case."""

import pandas as pd

#: View names of frontal chest X-rays that ``views`` may select.
FRONTAL_VIEWS = ("PA", "AP", "AP Supine", "AP Erect")

_CANONICAL_VIEWS = {v.lower(): v for v in FRONTAL_VIEWS}


def canonical_views(names):
    """View names with case and white space ignored: ``"ap  supine"`` -> ``"AP Supine"``.

    Frontal views get their name in :data:`FRONTAL_VIEWS`; any other name is
    returned stripped (missing stays missing).
    """
    def one(name):
        if pd.isna(name):
            return name
        text = " ".join(str(name).split())
        return _CANONICAL_VIEWS.get(text.lower(), text)

    return pd.Series(names, dtype=object).map(one)


def check_views(views):
    if isinstance(views, str):
        views = (views,)
    views = tuple(canonical_views(list(views)))
    unknown = [v for v in views if v not in FRONTAL_VIEWS]
    if unknown or not views:
        raise ValueError(
            f"unknown view name(s) {unknown or views!r}; views must be a non-empty "
            f"subset of the frontal views {list(FRONTAL_VIEWS)} (case is ignored; lateral "
            "'L' and CT 'Axial' / 'Coronal' are never kept)"
        )
    return views


def _counts(values):
    counts = pd.Series(values, dtype=object).fillna("<blank>").astype(str).value_counts()
    return ", ".join(f"{name!r} {n}" for name, n in counts.items()) or "none"


def frontal_xrays(meta, views, source):
    """Rows of the COVID collection that are X-rays (any case) in one of ``views``."""
    is_xray = meta["modality"].astype(str).str.strip().str.lower().isin(("x-ray", "xray"))
    view = canonical_views(meta["view"]).set_axis(meta.index)
    keep = is_xray & view.isin(views)
    if not keep.any():
        raise ValueError(
            f"{source}: none of the {len(meta)} metadata row(s) is an X-ray with a view "
            f"in {list(views)} (names compared ignoring case); found modality: "
            f"{_counts(meta['modality'])}; views of the X-ray rows: "
            f"{_counts(view[is_xray])}. Check that the folder is the right collection and that views names the frontal views it uses"
        )
    return meta[keep].assign(view=view[keep])
