"""Folder loader (errors name file and column), TBX11K loader, multi-source tables."""

import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from skcxr.datasets import (
    DerivedPatientIdWarning,
    KERMANY_PNEUMONIA,
    load_tbx11k,
    load_xray_folder,
    make_multisource_dataset,
    split_covid_collection,
)


def write_folder(root, rows, header="path,label,finding,view,patientid,source", images=None):
    root.mkdir(parents=True, exist_ok=True)
    for name in images if images is not None else [r[0] for r in rows]:
        Image.fromarray(np.full((8, 8), 100, np.uint8)).save(root / name)
    lines = [header] + [",".join(r) for r in rows]
    (root / "metadata.csv").write_text("\n".join(lines) + "\n")
    return root


ROWS = [("a.png", "covid", "COVID-19", "PA", "p1", "hospital-x"),
        ("b.png", "Non-COVID", "No Finding", "", "p2", "hospital-x"),
        ("c.png", "non-covid", "Pneumonia", "AP", "p2", "hospital-x")]


def test_folder_loads_the_table_contract(tmp_path):
    table = load_xray_folder(write_folder(tmp_path / "mine", ROWS))
    assert table.columns.tolist()[:8] == ["path", "label", "patientid", "source", "view",
                                          "finding", "sex", "age"]
    assert table["label"].tolist() == ["covid", "non-covid", "non-covid"]
    assert table["patientid"].tolist() == ["hospital-x:p1", "hospital-x:p2", "hospital-x:p2"]
    assert table["source"].unique().tolist() == ["hospital-x"]  # the file's source column
    assert pd.isna(table.loc[1, "view"]) and table.loc[2, "view"] == "AP"
    assert all(p.startswith(str(tmp_path)) for p in table["path"])
    renamed = load_xray_folder(tmp_path / "mine", source="site-7")
    assert renamed["patientid"][0] == "site-7:p1"


def test_folder_missing_column_names_file_and_column(tmp_path):
    root = write_folder(tmp_path / "f", [("a.png", "p1")], header="path,patientid")
    with pytest.raises(ValueError, match=r"metadata\.csv lacks the expected column\(s\) \['label'\]"):
        load_xray_folder(root)


def test_folder_unknown_label_names_file_column_and_row(tmp_path):
    rows = ROWS[:1] + [("b.png", "pneumonia", "x", "PA", "p2", "h")]
    root = write_folder(tmp_path / "f", rows)
    with pytest.raises(ValueError, match=r"metadata\.csv, column 'label': 1 unknown label\(s\) "
                                         r"\['pneumonia'\] at data row\(s\) \[1\]"):
        load_xray_folder(root)


def test_folder_missing_image_names_file_and_column(tmp_path):
    root = write_folder(tmp_path / "f", ROWS, images=["a.png", "b.png"])
    with pytest.raises(FileNotFoundError, match=r"metadata\.csv, column 'path': 1 of 3 .*c\.png"):
        load_xray_folder(root)
    with pytest.warns(UserWarning, match="dropped"):
        assert len(load_xray_folder(root, on_missing="warn")) == 2


def test_folder_blank_patient_ids(tmp_path):
    rows = [ROWS[0], ("b.png", "non-covid", "No Finding", "PA", "", "hospital-x")]
    root = write_folder(tmp_path / "f", rows)
    with pytest.raises(ValueError, match=r"metadata\.csv, column 'patientid': 1 of 2 row\(s\) "
                                         r"have no patient id \(data row\(s\) \[1\]"):
        load_xray_folder(root)
    with pytest.warns(DerivedPatientIdWarning, match="per-image id"):
        table = load_xray_folder(root, missing_patientid="per-image")
    assert table["patientid"].tolist() == ["hospital-x:p1", "hospital-x:b"]
    no_column = write_folder(tmp_path / "g", [("a.png", "covid")], header="path,label")
    with pytest.raises(ValueError, match="column 'patientid'"):
        load_xray_folder(no_column)


def test_tbx11k_real(data_root):
    if not (data_root / "tbx11k-tb").is_dir():
        pytest.skip("tbx11k-tb/ not in the data folder")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DerivedPatientIdWarning)  # the file has stems
        table = load_tbx11k(data_root / "tbx11k-tb")
    assert len(table) == 799
    assert set(table["label"]) == {"non-covid"} and set(table["source"]) == {"tbx11k"}
    assert table["patientid"].is_unique and table["patientid"][0].startswith("tbx11k:tb")
    assert table["split"].value_counts().to_dict() == {"train": 599, "val": 200}
    assert table["finding"].str.startswith("Tuberculosis").all()


def test_multisource_table_real(data_root):
    if not (data_root / "tbx11k-tb").is_dir():
        pytest.skip("tbx11k-tb/ not in the data folder")
    mix = {"adult-normal": 1, "tbx11k-tb": 1, KERMANY_PNEUMONIA: 2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = make_multisource_dataset(data_root, negatives=mix, deduplicate=False,
                                         split_covid_by="region")
        again = make_multisource_dataset(data_root, negatives=mix, deduplicate=False)
    n_covid = int((table["label"] == "covid").sum())
    assert (table["label"] == "non-covid").sum() == n_covid  # balanced
    counts = table.groupby("source").size()
    collection_neg = table["source"].str.startswith("covid-chestxray") & (
        table["label"] == "non-covid")
    drawn = n_covid - int(collection_neg.sum())
    assert counts["adult-normal"] in (drawn // 4, drawn // 4 + 1)
    assert counts["chest-xray-pneumonia"] in (drawn // 2, drawn // 2 + 1)
    assert table.loc[table["source"] == "chest-xray-pneumonia", "finding"].str.startswith(
        "Pneumonia").all()
    assert set(table["source"]) >= {"covid-chestxray@europe", "covid-chestxray@asia",
                                    "covid-chestxray@other", "tbx11k"}
    # a patient never spans two sub-sources
    assert (table.groupby("patientid")["source"].nunique() == 1).all()
    # same paths as the unsplit table, only sources renamed
    assert table["path"].tolist() == again["path"].tolist()
    back = split_covid_collection(again, data_root / "covid-chestxray", by="region")
    assert back["source"].tolist() == table["source"].tolist()
    with pytest.raises(ValueError, match="unknown pool"):
        make_multisource_dataset(data_root, negatives={"nowhere": 1}, deduplicate=False)
