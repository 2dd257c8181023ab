"""The applicability gate: its report, bad files, clone / pickle, the warning, real images."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.base import clone

from skcxr.applicability import (
    ApplicabilityGate,
    ApplicabilityWarning,
    check_images,
    find_gate,
    warn_if_inapplicable,
)
from skcxr.datasets import make_synthetic_cxr
from skcxr.features import XRayEmbedder


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gate")
    table = make_synthetic_cxr(60, folder, image_size=64, random_state=0)
    return table, folder


@pytest.fixture(scope="module")
def fitted_gate(synthetic):
    table, _ = synthetic
    # random features (no weights needed): the test is of the contract, not of accuracy
    embedder = XRayEmbedder(weights=None, layer="block_6_expand_relu")
    gate = ApplicabilityGate(embedder=embedder, size=64, n_synthetic=40, chest_threshold=0.5,
                             random_state=0)
    return gate.fit(table.iloc[:48])


def _photo(path):
    """A colourful, photo-like picture (smooth colour blobs on a sky gradient)."""
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[:96, :128] / 96
    image = np.stack([0.3 + 0.5 * yy, 0.5 + 0.3 * xx, 0.9 - 0.2 * yy], axis=-1)
    for _ in range(6):
        cy, cx, r = rng.uniform(0, 1, 3)
        blob = ((yy - cy) ** 2 + (xx - cx) ** 2) < (0.1 + 0.2 * r) ** 2
        image[blob] = rng.uniform(0, 1, 3)
    Image.fromarray(np.rint(image * 255).astype(np.uint8)).save(path)
    return str(path)


def test_report_has_one_row_per_image_in_order(fitted_gate, synthetic):
    table, folder = synthetic
    text = folder / "notes.txt"
    text.write_text("not an image")
    paths = [table.path.iloc[50], str(text), table.path.iloc[55], str(folder / "missing.png")]
    report = fitted_gate.check(paths)
    assert report.columns.tolist() == ["path", "chest_xray", "familiar", "reason"]
    assert report.path.tolist() == [str(p) for p in paths]
    assert report.chest_xray.dtype == bool and report.familiar.dtype == bool
    # an unreadable file is a row, not an exception, and the reason says why
    for i in (1, 3):
        assert not report.chest_xray[i] and not report.familiar[i]
        assert report.reason[i].startswith("unreadable: ")
    assert "notes.txt" in report.reason[1] and "not found" in report.reason[3]
    # held-out images like the training ones pass, with an empty reason
    assert report.chest_xray[[0, 2]].all() and report.familiar[[0, 2]].all()
    assert (report.reason[[0, 2]] == "").all()


def test_table_input_and_training_images_pass(fitted_gate, synthetic):
    table, _ = synthetic
    report = fitted_gate.check(table.iloc[48:])
    assert len(report) == 12
    assert report.chest_xray.mean() >= 0.9 and report.familiar.mean() >= 0.75


def test_a_photo_is_not_a_chest_xray(fitted_gate, tmp_path):
    report = fitted_gate.check([_photo(tmp_path / "photo.png")])
    assert not report.chest_xray[0]
    assert "not a frontal chest X-ray" in report.reason[0]


def test_clone_and_pickle_give_the_same_report(fitted_gate, synthetic, tmp_path):
    table, _ = synthetic
    paths = list(table.path.iloc[48:52]) + [_photo(tmp_path / "p.png")]
    expected = fitted_gate.check(paths)
    again = pickle.loads(pickle.dumps(fitted_gate)).check(paths)
    pd.testing.assert_frame_equal(again, expected)
    refit = clone(fitted_gate).fit(table.iloc[:48]).check(paths)
    pd.testing.assert_frame_equal(refit, expected)
    assert not hasattr(clone(fitted_gate), "chest_model_")


def test_skops_round_trip(fitted_gate, synthetic, tmp_path):
    sio = pytest.importorskip("skops.io")
    table, _ = synthetic
    path = tmp_path / "gate.skops"
    sio.dump(fitted_gate, path)
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    pd.testing.assert_frame_equal(loaded.check(table.path.iloc[48:52]),
                                  fitted_gate.check(table.path.iloc[48:52]))


def test_unfitted_gate_and_unreadable_training_image(synthetic, tmp_path):
    from sklearn.exceptions import NotFittedError

    table, _ = synthetic
    with pytest.raises(NotFittedError):
        ApplicabilityGate().check(table.path[:1])
    text = tmp_path / "bad.txt"
    text.write_text("x")
    gate = ApplicabilityGate(embedder=XRayEmbedder(weights=None, layer="block_1_expand_relu"),
                             size=64, n_synthetic=0)
    with pytest.raises(ValueError, match="bad.txt"):
        gate.fit(list(table.path[:5]) + [str(text)])


def _report(n_bad, n_good=2):
    bad = [f"bad{i}.png" for i in range(n_bad)]
    return pd.DataFrame({"path": bad + [f"ok{i}.png" for i in range(n_good)],
                         "chest_xray": [False] * n_bad + [True] * n_good,
                         "familiar": [True] * (n_bad + n_good),
                         "reason": ["not a frontal chest X-ray"] * n_bad + [""] * n_good})


def test_warning_names_files_and_counts_the_rest():
    with pytest.warns(ApplicabilityWarning) as record:
        warn_if_inapplicable(_report(7))
    assert len(record) == 1
    message = str(record[0].message)
    assert "7 of 9" in message and "bad0.png" in message and "bad4.png" in message
    assert "bad5.png" not in message and "and 2 more" in message
    assert record[0].message.report.path.tolist() == [f"bad{i}.png" for i in range(7)]
    with pytest.warns(ApplicabilityWarning) as record:
        warn_if_inapplicable(_report(2))
    assert "more" not in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_inapplicable(_report(0))  # all pass: silent


def test_check_images_asks_the_gate_a_model_carries(fitted_gate, synthetic):
    table, _ = synthetic

    class Carrier:
        gate_ = fitted_gate

    assert find_gate(Carrier()) is fitted_gate
    report = check_images(Carrier(), table.path.iloc[50:52])
    assert len(report) == 2
    with pytest.raises(ValueError, match="carries no applicability gate"):
        check_images(object(), table.path[:1])


def test_real_non_chest_films_are_flagged_and_frontal_films_pass(data_root, weights_root,
                                                                 monkeypatch):
    """A dental DICOM film and a CT slice are not chest X-rays; frontal films pass."""
    monkeypatch.setenv("SKCXR_WEIGHTS", str(weights_root))
    covid = pd.read_csv(data_root / "covid-chestxray" / "metadata.csv")
    covid["path"] = [str(data_root / "covid-chestxray" / f / n)
                     for f, n in zip(covid.folder, covid.filename)]
    frontal = covid[(covid.modality == "X-ray") & covid.view.isin(["PA", "AP"])]
    frontal = frontal.drop_duplicates("patientid")
    kermany = sorted((data_root / "chest-xray-pneumonia" / "train" / "NORMAL").glob("*.jpeg"))
    adult = sorted((data_root / "adult-normal" / "images").glob("*.jpg"))
    train = pd.DataFrame({"path": list(frontal.path[:30]) + [str(p) for p in kermany[:15]]
                          + [str(p) for p in adult[:15]]})
    train["source"] = ["covid"] * 30 + ["kermany"] * 15 + ["adult"] * 15
    gate = ApplicabilityGate(n_synthetic=60, random_state=0).fit(train)
    ct = covid[covid.modality == "CT"].path.iloc[0]
    dental = str(data_root / "dicom" / "CR-ModalitySequenceLUT.dcm")
    held_out = list(frontal.path[30:34]) + [str(kermany[20]), str(adult[20])]
    report = gate.check([dental, ct] + held_out)
    assert not report.chest_xray[0] and not report.chest_xray[1]
    # 60 training images only: at most one unseen frontal film may miss the strict 0.98
    assert report.chest_xray[2:].sum() >= 5
