"""Reader for the TBX11K tuberculosis images (``tbx11k-tb/``): non-COVID hard negatives."""

import os

from sklearn.utils._param_validation import StrOptions, validate_params

from ._folder import load_xray_folder

#: Source name of the TBX11K images in every table.
TBX11K = "tbx11k"


@validate_params(
    {"root": [str, os.PathLike], "on_missing": [StrOptions({"raise", "warn"})]},
    prefer_skip_nested_validation=True,
)
def load_tbx11k(root, *, on_missing="raise"):
    """Load ``tbx11k-tb/``: 799 adult tuberculosis films, all ``"non-covid"``.

    TBX11K (Liu et al., CVPR 2020; hospitals in China) publishes **no
    patient ids**; its paper says each X-ray is a different person, so each
    image is its own patient: ``patientid`` is ``"tbx11k:<image stem>"`` (the
    folder's ``metadata.csv`` already writes the stem; a blank cell gets the
    stem too, with a :class:`~skcxr.datasets.DerivedPatientIdWarning`). Two
    films of one person, which cannot be ruled out, could straddle a grouped
    split. The images were stretched to 512x512 upstream (aspect ratio lost),
    which is a source cue of its own. Academic, non-commercial use only: see
    the folder's README.

    Parameters
    ----------
    root : str or path-like
        The ``tbx11k-tb`` folder (``metadata.csv`` + ``images/``).
    on_missing : {"raise", "warn"}, default="raise"
        Rows whose image is missing: raise, or drop with a warning.

    Returns
    -------
    table : pandas.DataFrame
        As :func:`load_xray_folder`: ``source`` is ``"tbx11k"``, ``label``
        ``"non-covid"``, ``finding`` the TB type, ``view`` NaN (not recorded;
        all frontal by eye), ``split`` the official ``train`` / ``val``.

    Raises
    ------
    ValueError
        A row is not labelled ``non-covid`` (the folder holds TB images only),
        or :func:`load_xray_folder` rejects the metadata.
    FileNotFoundError
        The folder, ``metadata.csv`` or an image is missing.

    Examples
    --------
    >>> from skcxr.datasets import load_tbx11k
    >>> table = load_tbx11k("../shared/data/tbx11k-tb")  # doctest: +SKIP
    >>> len(table), table["label"].unique().tolist()  # doctest: +SKIP
    (799, ['non-covid'])
    """
    table = load_xray_folder(root, source=TBX11K, missing_patientid="per-image",
                             on_missing=on_missing)
    covid = table["label"] != "non-covid"
    if covid.any():
        raise ValueError(
            f"{root}/metadata.csv, column 'label': {int(covid.sum())} row(s) are not "
            "'non-covid', but tbx11k-tb holds tuberculosis images only, e.g. "
            f"{', '.join(table.loc[covid, 'path'].head(3))}")
    return table
