"""skcxr.datasets.load_dicom_folder: a table from a folder of DICOM files written with pydicom."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from _dicom_files import write_dicom
from skcxr.datasets import FRONTAL_VIEWS, load_dicom_folder

pytest.importorskip("pydicom")
# the test export writes lower-case view / body part names on purpose
pytestmark = pytest.mark.filterwarnings("ignore:Invalid value for VR CS")

IMAGE = np.tile(np.arange(0, 256, 8, dtype=np.uint16), (16, 1))


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """A PACS-like export: three patients, PA / AP / lateral, a skull, a report, a README."""
    root = tmp_path_factory.mktemp("pacs")
    (root / "p1" / "study1").mkdir(parents=True)
    (root / "p2").mkdir()
    (root / "misc").mkdir()
    files = {
        "p1/study1/IM0001": dict(patient_id="P1", view="PA", sex="F", age="045Y"),
        "p1/study1/IM0002": dict(patient_id="P1", view="LL"),  # lateral
        "p1/IM0003.dcm": dict(patient_id="P1", view="AP", modality="CR", body_part="chest "),
        "p2/a.dcm": dict(patient_id="P2", view="ap", sex="M", age="006M", preamble=False),
        "p2/skull.dcm": dict(patient_id="P2", view="PA", body_part="SKULL"),
        "misc/ct.dcm": dict(patient_id="P3", view=None, modality="CT", body_part="CHEST"),
        "misc/noview.dcm": dict(patient_id="P3", view=None),
        "misc/nopatient.dcm": dict(patient_id=None, view="PA", StudyInstanceUID="1.2.3.4"),
    }
    for name, tags in files.items():
        write_dicom(root / name, IMAGE, bits_stored=8, window=(128, 256), **tags)
    write_dicom(root / "misc" / "report.dcm", None, patient_id="P1", Modality="SR")
    write_dicom(root / "misc" / "cine.dcm", np.zeros((2, 4, 4)), frames=2, patient_id="P3")
    (root / "README.txt").write_text("export of 2026-12-01\n")
    return root


def test_default_keeps_chest_frontal_radiographs_and_reports_the_rest(export):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        table, skipped = load_dicom_folder(export, return_skipped=True)
    assert [p.replace(str(export) + "/", "") for p in table["path"]] == [
        "misc/nopatient.dcm", "p1/IM0003.dcm", "p1/study1/IM0001", "p2/a.dcm"]
    assert list(table["patientid"]) == ["dicom:unknown:1.2.3.4", "dicom:P1", "dicom:P1",
                                        "dicom:P2"]  # prefixed by source, like every table
    assert table["dicom_patientid"].tolist()[1:] == ["P1", "P1", "P2"]
    assert pd.isna(table["dicom_patientid"].iloc[0])
    assert list(table["view"]) == ["PA", "AP", "PA", "ap"]
    assert list(table["modality"]) == ["DX", "CR", "DX", "DX"]
    assert list(table["body_part"]) == ["CHEST", "chest", "CHEST", "CHEST"]
    assert table["label"].isna().all()  # never invented
    assert (table["source"] == "dicom").all()
    assert table["sex"].tolist()[2:] == ["F", "M"]
    assert table["age"].tolist()[2:] == [45.0, 0.5]
    assert table[["rows", "columns", "bits_stored"]].iloc[0].tolist() == [16, 32, 8]
    assert table.columns[:8].tolist() == ["path", "label", "patientid", "source", "view",
                                          "finding", "sex", "age"]
    reasons = dict(zip((p.replace(str(export) + "/", "") for p in skipped["path"]),
                       skipped["reason"]))
    assert reasons == {
        "README.txt": "not DICOM",
        "misc/cine.dcm": "multi-frame (2 frames)",
        "misc/ct.dcm": "modality CT",
        "misc/noview.dcm": "view missing",
        "misc/report.dcm": "no pixel data",
        "p1/study1/IM0002": "view LL",
        "p2/skull.dcm": "body part SKULL",
    }
    assert skipped["detail"].str.len().gt(0).all()
    messages = " ".join(str(w.message) for w in record)
    assert re.search(r"kept 4 of 11 file\(s\).*skipped 7", messages)
    assert "1 view LL" in messages and "1 no pixel data" in messages
    assert "have no PatientID" in messages and "nopatient.dcm" in messages


def test_filters_can_be_lifted(export):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        everything = load_dicom_folder(export, views=None, modalities=None, body_parts=None)
        laterals = load_dicom_folder(export, views=None)
    # every single-frame grey image: 8 (report, cine and README skipped)
    assert len(everything) == 8
    assert "LL" in set(laterals["view"]) and "SKULL" not in set(laterals["body_part"])


def test_views_follow_the_covid_collection_rules(export):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pa = load_dicom_folder(export, views=["pa"])
    assert set(pa["view"].str.upper()) == {"PA"}
    assert set(FRONTAL_VIEWS) >= {"PA", "AP"}
    with pytest.raises(ValueError, match=r"unknown view name\(s\) \['LL'\].*frontal views"):
        load_dicom_folder(export, views=["PA", "LL"])


def test_labels_come_from_the_user(export):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        table = load_dicom_folder(export, labels={"P1": "covid", "P2": "non-covid"})
    assert pd.isna(table["label"].iloc[0])  # misc/nopatient.dcm: no label given
    assert table["label"].tolist()[1:] == ["covid", "covid", "non-covid"]
    assert any("1 of 4 image(s) have no label" in str(w.message) for w in record)
    by_path = {"p2/a.dcm": "covid", str(export / "p1" / "IM0003.dcm"): "non-covid"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = load_dicom_folder(export, labels=pd.Series(by_path), label_key="path")
    assert table.set_index("dicom_patientid")["label"].dropna().to_dict() == {
        "P1": "non-covid", "P2": "covid"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        named = load_dicom_folder(export, source="hospital-a")
    assert (named["source"] == "hospital-a").all()
    assert named["patientid"].iloc[1] == "hospital-a:P1"
    with pytest.raises(ValueError, match=r"label_key='PatientName' is not a column"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load_dicom_folder(export, labels={}, label_key="PatientName")
    with pytest.raises(TypeError, match=r"labels must be a dict"):
        load_dicom_folder(export, labels=["covid"])


def test_nothing_kept_raises_with_the_reasons(tmp_path):
    write_dicom(tmp_path / "lat.dcm", IMAGE, view="LL")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match=r"no DICOM radiograph kept.*1 view LL, 1 not DICOM"):
        load_dicom_folder(tmp_path)


def test_table_feeds_the_loader(export):
    from skcxr import XRayLoader

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = load_dicom_folder(export)
    X = XRayLoader(size=(16, 32), dtype="uint8").fit_transform(table)
    assert X.shape == (4, 16, 32, 1)
    np.testing.assert_array_equal(X[0, ..., 0], IMAGE)


def test_missing_folder():
    with pytest.raises(FileNotFoundError, match=r"DICOM folder does not exist"):
        load_dicom_folder("/no/such/pacs/export")
