"""Chest X-ray datasets: the study's real folders and a synthetic generator.

Every builder returns a table (:class:`pandas.DataFrame`) with the columns
``path, label, patientid, source, view, finding, sex, age``; labels are
``"covid"`` and ``"non-covid"``, patient ids are prefixed by their source.
:func:`load_dicom_folder` builds such a table from a folder of DICOM files;
its labels are the ones you pass (NaN otherwise), never read from tags.
"""

from ._assemble import (
    FRONTAL_VIEWS,
    DuplicateImageWarning,
    make_covid_dataset,
)
from ._covid_chestxray import load_covid_chestxray
from ._dicom import load_dicom_folder
from ._duplicates import find_duplicate_images
from ._from_root import make_covid_dataset_from_root
from ._folder import DerivedPatientIdWarning, load_xray_folder
from ._healthy import load_healthy_folder
from ._pneumonia import load_pneumonia_folders
from ._sources import (
    KERMANY_PNEUMONIA,
    MULTISOURCE_NEGATIVES,
    load_negative_pools,
    make_multisource_dataset,
    split_covid_collection,
)
from ._summary import summarize_dataset
from ._synthetic import make_synthetic_cxr
from ._tbx11k import load_tbx11k

__all__ = [
    "FRONTAL_VIEWS",
    "DuplicateImageWarning",
    "find_duplicate_images",
    "load_covid_chestxray",
    "load_dicom_folder",
    "load_healthy_folder",
    "load_pneumonia_folders",
    "make_covid_dataset",
    "make_covid_dataset_from_root",
    "make_synthetic_cxr",
    "summarize_dataset",
    # multi-source tables and user folders (issue 15)
    "DerivedPatientIdWarning",
    "KERMANY_PNEUMONIA",
    "MULTISOURCE_NEGATIVES",
    "load_negative_pools",
    "load_tbx11k",
    "load_xray_folder",
    "make_multisource_dataset",
    "split_covid_collection",
]
