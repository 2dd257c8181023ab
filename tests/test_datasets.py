"""Tests for skcxr.datasets: loaders, the study's cleaning rules, healthy mixes, summary."""

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy import ndimage

from skcxr.datasets import (
    DuplicateImageWarning,
    find_duplicate_images,
    load_covid_chestxray,
    load_healthy_folder,
    load_pneumonia_folders,
    make_covid_dataset,
    make_covid_dataset_from_root,
    summarize_dataset,
)
from skcxr.datasets._healthy import allocate

CONTRACT = ["path", "label", "patientid", "source", "view", "finding", "sex", "age"]
KERMANY, ADULT = "chest-xray-pneumonia", "adult-normal"

# patientid, finding, view, modality, filename
COVID_ROWS = [
    ("1", "COVID-19", "PA", "X-ray", "a.png"),
    ("1", "COVID-19", "L", "X-ray", "a_lateral.png"),
    ("2", "COVID-19, ARDS", "AP", "X-ray", "b.png"),
    ("3", "COVID-19", "Axial", "CT", "ct_axial.png"),
    ("3", "COVID-19", "Coronal", "CT", "ct_coronal.png"),
    ("4", "Pneumonia", "PA", "X-ray", "c.png"),
    ("5", "Pneumonia", "PA", "X-ray", "c.png"),  # the same file, another patient id
    ("6", "COVID-19", "AP Supine", "X-ray", "d.png"),
    ("7", "COVID-19", "PA", "X-ray", "d_copy.jpg"),  # the picture d.png, another patient id
    ("7", "COVID-19", "AP", "X-ray", "e.png"),
    ("8", "No Finding", "PA", "X-ray", "f.png"),
    ("9", "SARS", "AP", "X-ray", "g.png"),
    ("10", "COVID-19", "PA", "X-ray", "h.png"),
    ("11", "COVID-19", "PA", "X-ray", "i.png"),
]
# after cleaning: covid a b d e h i (6), non-covid c f g (3): 3 healthy images needed
KERMANY_FILES = {
    "train/NORMAL": ["IM-0001-0001.jpeg", "IM-0001-0002.jpeg", "NORMAL2-IM-0003-0001.jpeg",
                     "IM-0004-0001.jpeg"],
    "train/PNEUMONIA": ["person1_bacteria_1.jpeg", "person1_virus_2.jpeg",
                        "person22_bacteria_3.jpeg"],
    "test/NORMAL": ["IM-0010-0001.jpeg", "NORMAL2-IM-0011-0001.jpeg", "IM-0012-0001.jpeg"],
    "test/PNEUMONIA": ["person3_virus_5.jpeg"],
}


def _picture(seed, size=48):
    """A distinct smooth grayscale picture (no two seeds correlate near 1)."""
    noise = np.random.RandomState(seed).standard_normal((size, size))
    field = ndimage.gaussian_filter(noise, 4)
    field = (field - field.min()) / (np.ptp(field) + 1e-12)
    return Image.fromarray((field * 255).astype(np.uint8), mode="L")


def _write_covid(root, rows=COVID_ROWS, seed=0):
    (root / "images").mkdir(parents=True)
    names = [r[4] for r in rows if r[4] != "d_copy.jpg"]
    for k, name in enumerate(dict.fromkeys(names)):
        _picture(seed + k).save(root / "images" / name)
        if name == "d.png":
            _picture(seed + k).resize((60, 60)).save(root / "images" / "d_copy.jpg", quality=90)
    meta = pd.DataFrame(rows, columns=["patientid", "finding", "view", "modality", "filename"])
    meta.insert(1, "offset", 0)
    meta["sex"], meta["age"], meta["folder"] = "M", 50, "images"
    # upstream lines end with a comma: an empty trailing column
    meta.to_csv(root / "metadata.csv", index=False)
    text = (root / "metadata.csv").read_text().replace("\n", ",\n")
    (root / "metadata.csv").write_text(text)
    return root


def _write_kermany(root, files=KERMANY_FILES, seed=100):
    for k, (folder, names) in enumerate(files.items()):
        (root / folder).mkdir(parents=True)
        for j, name in enumerate(names):
            _picture(seed + 10 * k + j).save(root / folder / name, format="JPEG")
    return root


def _write_adult(root, n=4, seed=200):
    (root / "images").mkdir(parents=True)
    for k in range(n):
        _picture(seed + k).save(root / "images" / f"n{k}.jpg")
    pd.DataFrame({
        "path": [f"images/n{k}.jpg" for k in range(n)], "finding": "No Finding",
        "view": "", "patientid": [str(k + 1) for k in range(n)],  # "1" also in covid ids
        "sex": "", "age": "", "source": "a teaching file", "license": "unspecified",
    }).to_csv(root / "metadata.csv", index=False)
    return root


@pytest.fixture
def roots(tmp_path):
    return {
        "covid": _write_covid(tmp_path / "covid-chestxray"),
        KERMANY: _write_kermany(tmp_path / KERMANY),
        ADULT: _write_adult(tmp_path / ADULT),
        "data": tmp_path,
    }


def _make(roots, **params):
    params.setdefault("healthy_roots", {ADULT: roots[ADULT]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateImageWarning)
        return make_covid_dataset(roots["covid"], roots[KERMANY], **params)


def _names(table):
    return sorted(p.rsplit("/", 1)[-1] for p in table["path"])


# ---------------------------------------------------------------- loaders
def test_load_covid_chestxray_keeps_every_raw_row(roots):
    meta = load_covid_chestxray(roots["covid"])
    assert len(meta) == len(COVID_ROWS)
    assert not [c for c in meta.columns if c.startswith("Unnamed")]
    assert meta["patientid"].tolist() == [r[0] for r in COVID_ROWS]
    assert meta["path"].tolist() == [str(roots["covid"] / "images" / r[4]) for r in COVID_ROWS]


def test_load_covid_chestxray_bad_input(tmp_path, roots):
    with pytest.raises(FileNotFoundError, match="does not exist: .*nowhere"):
        load_covid_chestxray(tmp_path / "nowhere")
    meta = pd.read_csv(roots["covid"] / "metadata.csv").drop(columns=["modality", "view"])
    bad = tmp_path / "bad"
    bad.mkdir()
    meta.to_csv(bad / "metadata.csv", index=False)
    with pytest.raises(ValueError, match=r"lacks the expected column\(s\) \['view', 'modality'\]"):
        load_covid_chestxray(bad)
    with pytest.raises(FileNotFoundError, match="metadata file not found"):
        load_covid_chestxray(tmp_path / KERMANY)


def test_missing_image_files_raise_or_warn(roots):
    (roots["covid"] / "images" / "b.png").unlink()
    (roots["covid"] / "images" / "ct_axial.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"2 of 14 image file\(s\).*missing.*b\.png"):
        load_covid_chestxray(roots["covid"])
    with pytest.warns(UserWarning, match=r"dropped those 2 row\(s\)"):
        meta = load_covid_chestxray(roots["covid"], on_missing="warn")
    assert len(meta) == 12 and "b.png" not in " ".join(meta["path"])
    with pytest.raises(ValueError, match="on_missing"):
        load_covid_chestxray(roots["covid"], on_missing="ignore")
    with pytest.raises(FileNotFoundError, match="2 of 14"):
        _make(roots)


def test_load_pneumonia_folders(roots):
    table = load_pneumonia_folders(roots[KERMANY])
    assert len(table) == 11
    assert table.groupby(["split", "finding"]).size().to_dict() == {
        ("test", "NORMAL"): 3, ("test", "PNEUMONIA"): 1,
        ("train", "NORMAL"): 4, ("train", "PNEUMONIA"): 3}
    ids = dict(zip(table["path"].str.rsplit("/", n=1).str[-1], table["patientid"]))
    assert ids["IM-0001-0002.jpeg"] == "IM-0001"
    assert ids["NORMAL2-IM-0003-0001.jpeg"] == "NORMAL2-IM-0003"
    assert ids["person1_virus_2.jpeg"] == ids["person1_bacteria_1.jpeg"] == "person1"
    assert ids["person22_bacteria_3.jpeg"] == "person22"
    subtypes = table.groupby("finding")["subtype"].agg(set).to_dict()
    assert subtypes == {"NORMAL": {"normal"}, "PNEUMONIA": {"bacteria", "virus"}}


def test_load_pneumonia_folders_bad_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match="neither train/ nor test/"):
        load_pneumonia_folders(tmp_path)
    (tmp_path / "train" / "NORMAL").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"class folder\(s\) missing: .*PNEUMONIA"):
        load_pneumonia_folders(tmp_path)
    (tmp_path / "train" / "PNEUMONIA").mkdir()
    _picture(0).save(tmp_path / "train" / "PNEUMONIA" / "person1_virus_1.jpeg", format="JPEG")
    with pytest.raises(FileNotFoundError, match="no image files in .*NORMAL"):
        load_pneumonia_folders(tmp_path)
    _picture(1).save(tmp_path / "train" / "NORMAL" / "scan.jpeg", format="JPEG")
    with pytest.raises(ValueError, match="do not follow the Kermany naming.*scan.jpeg"):
        load_pneumonia_folders(tmp_path)


def test_load_healthy_folder(roots, tmp_path):
    table = load_healthy_folder(roots[ADULT])
    assert len(table) == 4 and set(table["source"]) == {ADULT}
    assert set(table["origin"]) == {"a teaching file"}
    assert all(p.startswith(str(roots[ADULT])) for p in table["path"])
    assert table["view"].isna().all() and table["patientid"].tolist() == ["1", "2", "3", "4"]
    pd.DataFrame({"path": ["x.jpg"], "finding": ["No Finding"]}).to_csv(
        tmp_path / "metadata.csv", index=False)
    with pytest.raises(ValueError, match=r"\['patientid'\]"):
        load_healthy_folder(tmp_path)


def test_find_duplicate_images(roots):
    images = roots["covid"] / "images"
    paths = [images / n for n in ("a.png", "d.png", "b.png", "d_copy.jpg", "e.png")]
    pairs = find_duplicate_images(paths)
    assert pairs[["first", "second"]].values.tolist() == [[1, 3]]
    assert pairs["correlation"].iloc[0] > 0.99
    assert find_duplicate_images(paths[:1]).empty


# ---------------------------------------------------------------- cleaning rules
def test_cleaning_rules(roots):
    with pytest.warns(DuplicateImageWarning) as record:
        table = make_covid_dataset(roots["covid"], balance=False)
    message = str(record[0].message)
    assert "c.png referenced by 2 rows" in message
    assert "d_copy.jpg (covid-chestxray:7) is the picture d.png (covid-chestxray:6)" in message
    assert list(table.columns) == CONTRACT + ["split"]
    # X-ray only, frontal only, each file once, each picture once
    assert _names(table) == ["a.png", "b.png", "c.png", "d.png", "e.png", "f.png", "g.png",
                             "h.png", "i.png"]
    labels = dict(zip(_names(table), table.sort_values("path")["label"]))
    assert [n for n, lab in labels.items() if lab == "covid"] == [
        "a.png", "b.png", "d.png", "e.png", "h.png", "i.png"]  # "COVID-19, ARDS" is covid
    assert set(table["source"]) == {"covid-chestxray"}
    # patient ids linked by a shared file or picture are merged into the earliest
    ids = dict(zip(_names(table), table.sort_values("path")["patientid"]))
    assert ids["c.png"] == "covid-chestxray:4"
    assert ids["e.png"] == ids["d.png"] == "covid-chestxray:6"
    assert "covid-chestxray:5" not in set(table["patientid"])


def test_duplicates_kept_without_deduplication(roots):
    table = _make(roots, balance=False, deduplicate=False)
    assert "d_copy.jpg" in _names(table) and "c.png" in _names(table)
    assert _names(table).count("c.png") == 1  # the same file still counts once


def test_views(roots):
    table = _make(roots, views=("PA",), balance=False)
    assert set(table["view"]) == {"PA"}
    # d_copy.jpg stays: its twin d.png is AP Supine, not selected
    assert _names(table) == ["a.png", "c.png", "d_copy.jpg", "f.png", "h.png", "i.png"]
    for bad in [("PA", "Lateral"), ("L",), ("Axial",), ()]:
        with pytest.raises(ValueError, match=r"views must be .*\['PA', 'AP', 'AP Supine'"):
            _make(roots, views=bad)


def test_balance_with_kermany_normals_by_default(roots):
    table = _make(roots)
    assert table["label"].value_counts().to_dict() == {"covid": 6, "non-covid": 6}
    healthy = table[table["source"] == KERMANY]
    assert len(healthy) == 3 and set(healthy["finding"]) == {"No Finding"}
    assert all("/NORMAL/" in p for p in healthy["path"])
    assert healthy["split"].isin(["train", "test"]).all()
    assert table.loc[table["source"] != KERMANY, "split"].isna().all()
    assert healthy["patientid"].str.startswith(f"{KERMANY}:").all()


def test_seeding(roots):
    first = _make(roots, random_state=3)
    pd.testing.assert_frame_equal(first, _make(roots, random_state=3))
    picks = {tuple(_names(_make(roots, random_state=s))) for s in range(6)}
    assert len(picks) > 1


@pytest.mark.parametrize("healthy, expected", [
    (ADULT, {ADULT: 3}),
    ({KERMANY: 1, ADULT: 2}, {KERMANY: 1, ADULT: 2}),
    ({KERMANY: 0.5, ADULT: 0.5}, {ADULT: 2, KERMANY: 1}),  # largest remainder, exact total
    ({KERMANY: 1.0, ADULT: 0.0}, {KERMANY: 3}),
])
def test_healthy_mix_proportions(roots, healthy, expected):
    table = _make(roots, healthy=healthy)
    counts = table.loc[table["source"] != "covid-chestxray", "source"].value_counts()
    assert counts.to_dict() == expected
    assert (table["label"] == "covid").sum() == (table["label"] == "non-covid").sum()


def test_allocate_adds_up_exactly():
    assert allocate(7, {"a": 0.5, "b": 0.5}) == {"a": 4, "b": 3}
    assert allocate(10, {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}) == {"a": 4, "b": 3, "c": 3}
    assert sum(allocate(101, {"a": 0.2, "b": 0.3, "c": 0.5}).values()) == 101


def test_patient_ids_never_collide_between_sources(roots):
    adult3 = _write_adult(roots["data"] / "adult3", n=3)  # ids 1, 2, 3: all drawn
    table = _make(roots, healthy=ADULT, healthy_roots={ADULT: adult3})
    assert {"covid-chestxray:1", "adult-normal:1"} <= set(table["patientid"])
    assert (table.groupby("patientid")["source"].nunique() == 1).all()
    for source, group in table.groupby("source"):
        assert group["patientid"].str.startswith(f"{source}:").all()


def test_bad_healthy_choices(roots):
    adult2 = _write_adult(roots["data"] / "adult2", n=2)
    with pytest.raises(ValueError, match="'adult-normal' has 2 healthy images but 3 are needed"):
        _make(roots, healthy=ADULT, healthy_roots={ADULT: adult2})
    with pytest.raises(ValueError, match=r"no folder given for healthy source\(s\) \['elsewhere'\]"):
        _make(roots, healthy="elsewhere")
    with pytest.raises(ValueError, match="pneumonia_root="):
        make_covid_dataset(roots["covid"], healthy=KERMANY)
    with pytest.raises(ValueError, match=">= 0"):
        _make(roots, healthy={KERMANY: -1, ADULT: 2})
    with pytest.raises(TypeError, match="source name"):
        _make(roots, healthy=["adult-normal"])
    with pytest.raises(ValueError, match="sum to 0"):
        _make(roots, healthy={KERMANY: 0})


def test_more_non_covid_than_covid_warns(roots, tmp_path):
    rows = [("1", "SARS", "PA", "X-ray", "a.png"), ("2", "Pneumonia", "PA", "X-ray", "b.png"),
            ("3", "COVID-19", "PA", "X-ray", "c.png")]
    covid = _write_covid(tmp_path / "few", rows=rows)
    with pytest.warns(UserWarning, match="1 more non-covid than covid"):
        table = make_covid_dataset(covid, roots[KERMANY])
    assert len(table) == 3


def test_from_root_and_summary(roots):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateImageWarning)
        table = make_covid_dataset_from_root(roots["data"], recipe="study",
                                             healthy={KERMANY: 1, ADULT: 2})
    pd.testing.assert_frame_equal(table, _make(roots, healthy={KERMANY: 1, ADULT: 2}))
    summary = summarize_dataset(table)
    assert summary.startswith("12 images: 6 covid / 6 non-covid; ")
    assert f"{ADULT} 2 (0 covid / 2 non-covid)" in summary
    assert "covid-chestxray 9 (6 covid / 3 non-covid)" in summary
    assert "unknown 2" in summary and "\n" not in summary
    with pytest.raises(ValueError, match="no 'label' column"):
        summarize_dataset(table.drop(columns="label"))


# ---------------------------------------------------------------- the real folders
REAL_CHOICES = {
    "kermany": dict(healthy=KERMANY),
    # adult-normal holds 274 images: enough for the PA films (211 covid / 77 non-covid)
    "adult-normal-PA": dict(healthy=ADULT, views=("PA",)),
    "mixed": dict(healthy={KERMANY: 0.5, ADULT: 0.5}),
}


@pytest.mark.real_data
@pytest.mark.parametrize("choice", list(REAL_CHOICES))
def test_real_data(data_root, choice):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        table = make_covid_dataset_from_root(data_root, recipe="study", **REAL_CHOICES[choice])
    print(f"\n[{choice}] {summarize_dataset(table)}")
    print(table.groupby(["label", "source", "view"], dropna=False).size().to_string())
    assert list(table.columns) == CONTRACT + ["split"]
    meta = load_covid_chestxray(data_root / "covid-chestxray").set_index("path")
    covid_rows = table[table["source"] == "covid-chestxray"]
    assert set(meta.loc[covid_rows["path"], "modality"]) == {"X-ray"}
    assert not set(table["view"].dropna()) & {"L", "Axial", "Coronal"}
    assert all(os.path.isfile(p) for p in table["path"])
    assert table["path"].is_unique
    assert (table.groupby("patientid")["source"].nunique() == 1).all()
    counts = table["label"].value_counts()
    assert counts["covid"] == counts["non-covid"] > 100
    # the known copies filed under two patient ids are reported and kept once
    notes = " ".join(str(w.message) for w in record if w.category is DuplicateImageWarning)
    assert "16660_2_1.jpg (covid-chestxray:178) is the picture" in notes or choice != "kermany"
    names = set(table["path"].str.rsplit("/", n=1).str[-1])
    assert not {"16660_2_1.jpg", "case_72_RX-TORACE1.jpg"} & names
    if choice == "kermany":
        assert counts["covid"] == 420  # 427 COVID-19 frontal X-ray rows less 7 copies
        assert set(table["source"]) == {"covid-chestxray", KERMANY}


@pytest.mark.real_data
def test_real_adult_normal_too_small_for_all_views(data_root):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateImageWarning)
        with pytest.raises(ValueError, match="'adult-normal' has 274 healthy images but 320"):
            make_covid_dataset_from_root(data_root, recipe="study", healthy=ADULT)


# ------------------------------------------ empty or odd metadata (issue 11, items 6 and 9)
def test_metadata_without_rows_or_empty_file_raises_naming_the_file(roots, tmp_path):
    csv = roots["covid"] / "metadata.csv"
    header = csv.read_text().splitlines()[0]
    csv.write_text(header + "\n")
    with pytest.raises(ValueError, match=r"metadata.csv has a header but no rows: it lists no image"):
        load_covid_chestxray(roots["covid"])
    with pytest.raises(ValueError, match="has a header but no rows"):
        make_covid_dataset(roots["covid"], roots[KERMANY])
    csv.write_text("")
    with pytest.raises(ValueError, match=r"metadata.csv is empty \(no header, no rows\).*'patientid'"):
        load_covid_chestxray(roots["covid"])
    (roots[ADULT] / "metadata.csv").write_text("path,finding,patientid\n")
    with pytest.raises(ValueError, match=r"adult-normal.metadata.csv has a header but no rows"):
        load_healthy_folder(roots[ADULT])


def test_no_frontal_xray_rows_raise_with_what_was_found(tmp_path, roots):
    rows = [("1", "COVID-19", "Axial", "CT", "a.png"), ("2", "COVID-19", "L", "X-ray", "b.png"),
            ("3", "SARS", "Coronal", "CT", "c.png")]
    covid = _write_covid(tmp_path / "odd", rows=rows)
    with pytest.raises(ValueError, match=(
            r"none of the 3 metadata row\(s\) is an X-ray with a view in \['PA', 'AP', 'AP Supine'\]"
            r".*modality: 'CT' 2, 'X-ray' 1; views of the X-ray rows: 'L' 1")):
        make_covid_dataset(covid, roots[KERMANY])


def test_view_and_modality_names_match_ignoring_case(tmp_path, roots):
    rows = [("1", "COVID-19", "pa", "X-ray", "a.png"), ("2", "COVID-19", "Ap supine", "x-ray", "b.png"),
            ("3", "Pneumonia", " AP ", "X-RAY", "c.png"), ("4", "COVID-19", "l", "X-ray", "d.png")]
    covid = _write_covid(tmp_path / "cases", rows=rows)
    table = make_covid_dataset(covid, balance=False)
    assert table["view"].tolist() == ["PA", "AP Supine", "AP"]  # the canonical names
    assert _names(table) == ["a.png", "b.png", "c.png"]
    only_pa = make_covid_dataset(covid, views=["pa"], balance=False)
    assert _names(only_pa) == ["a.png"]


def test_blank_patient_ids_each_get_their_own_id_with_a_warning(tmp_path, roots):
    rows = [("", "COVID-19", "PA", "X-ray", "a.png"), ("", "COVID-19", "PA", "X-ray", "b.png"),
            ("7", "Pneumonia", "AP", "X-ray", "c.png")]
    covid = _write_covid(tmp_path / "blank", rows=rows)
    with pytest.warns(UserWarning, match=r"2 of 3 row\(s\) have a blank patientid, e\.g\. a\.png, b\.png"
                                         r".*own patient id"):
        table = make_covid_dataset(covid, balance=False)
    assert table["patientid"].tolist() == [
        "covid-chestxray:unknown-0", "covid-chestxray:unknown-1", "covid-chestxray:7"]
    # a healthy folder follows the same rule
    adult = roots[ADULT]
    meta = pd.read_csv(adult / "metadata.csv", dtype=str)
    meta.loc[[0, 2], "patientid"] = np.nan
    meta.to_csv(adult / "metadata.csv", index=False)
    with pytest.warns(UserWarning, match=r"healthy source 'adult-normal': 2 of 4 row\(s\)"):
        _make(roots, healthy=ADULT)


def test_decompression_bomb_during_assembly_names_the_file(roots, monkeypatch):
    from PIL import Image as PILImage

    _picture(999, size=200).save(roots["covid"] / "images" / "e.png")  # 40000 pixels
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 10_000)  # the 48x48 ones pass
    with pytest.raises(Exception, match=(
            r"cannot decode image .*images/e\.png while comparing images for duplicate"
            r".*MAX_IMAGE_PIXELS.*deduplicate=False")):
        _make(roots, balance=False)
    table = _make(roots, balance=False, deduplicate=False)  # the advised way out works
    assert "e.png" in _names(table)


def test_from_root_at_the_wrong_level_says_which_folder_to_pass(roots, tmp_path):
    data = roots["data"]
    with pytest.raises(FileNotFoundError, match=(
            r"holds a metadata.csv but no covid-chestxray/ folder.*"
            rf"make_covid_dataset_from_root\('{data}'\)")):
        make_covid_dataset_from_root(roots["covid"])
    top = tmp_path / "top"
    top.mkdir()
    (top / "data").symlink_to(data, target_is_directory=True)
    with pytest.raises(FileNotFoundError, match=(
            rf"one level down; pass make_covid_dataset_from_root\('{top / 'data'}'\)")):
        make_covid_dataset_from_root(top)
    (tmp_path / "empty" / "x").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"has no covid-chestxray/ folder \(it holds \['x'\]\)"):
        make_covid_dataset_from_root(tmp_path / "empty")


def test_from_root_without_the_default_healthy_folder_gives_advice_it_can_follow(roots):
    import shutil

    shutil.rmtree(roots[KERMANY])
    with pytest.raises(ValueError) as info:
        make_covid_dataset_from_root(roots["data"], recipe="study")
    message = str(info.value)
    assert "pneumonia_root" not in message  # make_covid_dataset_from_root has no such parameter
    assert f"no folder for healthy source(s) ['{KERMANY}'] in {roots['data']}" in message
    assert "healthy sources found there: ['adult-normal']" in message
    assert "healthy=" in message
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateImageWarning)
        assert len(make_covid_dataset_from_root(roots["data"], recipe="study",
                                                healthy=ADULT)) == 12


def test_summarize_dataset_refuses_what_is_not_a_dataframe(roots):
    for bad in ([["a", "covid"]], pd.Series(["covid"], name="label")):
        with pytest.raises(TypeError, match=(
                r"'table' parameter of summarize_dataset must be an instance of "
                r"'pandas.DataFrame'")):
            summarize_dataset(bad)


@pytest.mark.real_data
def test_default_table_is_the_multisource_one_and_the_study_one_is_one_argument_away(data_root):
    from skcxr.datasets import MULTISOURCE_NEGATIVES, make_multisource_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateImageWarning)
        table = make_covid_dataset_from_root(data_root)
        pd.testing.assert_frame_equal(table, make_multisource_dataset(data_root))
        study = make_covid_dataset_from_root(data_root, recipe="study")
    counts = table["label"].value_counts()
    assert counts["covid"] == counts["non-covid"] == 420
    negatives = table[table["label"] == "non-covid"]
    # the collection's own 100 non-COVID images, then a quarter of the rest from each pool
    assert (negatives["source"] == "covid-chestxray").sum() == 100
    assert set(negatives["source"]) == {"covid-chestxray", KERMANY, ADULT, "tbx11k"}
    assert len(MULTISOURCE_NEGATIVES) == 4
    assert (negatives["source"] == "tbx11k").sum() == 80
    # the study's table: healthy children only
    assert set(study["source"]) == {"covid-chestxray", KERMANY}
