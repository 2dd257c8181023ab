"""Tests for skcxr.datasets.make_synthetic_cxr: contract, geometry, seeding, learnability."""

import time

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy import ndimage

from skcxr.datasets import make_synthetic_cxr
from skcxr.datasets._synthetic import _synthetic_lung_mask, _synthetic_lung_masks

CONTRACT = ["path", "label", "patientid", "source", "view", "finding", "sex", "age"]


def _pixels(table):
    return np.stack([np.asarray(Image.open(p)) for p in table["path"]])


def test_table_contract_and_files(tmp_path):
    table = make_synthetic_cxr(41, tmp_path / "new" / "dir", image_size=40, random_state=0)
    assert list(table.columns[: len(CONTRACT)]) == CONTRACT
    assert len(table) == 41
    assert table["label"].value_counts().to_dict() == {"non-covid": 21, "covid": 20}
    assert set(table["source"]) == {"synthetic"} and set(table["view"]) == {"PA"}
    assert table["patientid"].str.fullmatch(r"synthetic:\d{4}").all()
    expected = np.where(table["label"] == "covid", "COVID-19", "No Finding")
    assert (table["finding"] == expected).all()
    assert table["path"].is_unique
    for path in table["path"]:
        assert path.startswith(str(tmp_path)) and path.endswith(".png")
        with Image.open(path) as image:
            assert image.mode == "L" and image.size == (40, 40)


def test_some_patients_have_two_images_of_one_label(tmp_path):
    table = make_synthetic_cxr(120, tmp_path, image_size=32, random_state=1)
    per_patient = table.groupby("patientid")["label"].agg(["size", "nunique"])
    assert set(per_patient["size"]) == {1, 2}
    assert (per_patient["size"] == 2).sum() >= 15
    assert (per_patient["nunique"] == 1).all()  # a patient never has both labels


def test_same_seed_same_pixels_other_seed_other_pixels(tmp_path):
    a = make_synthetic_cxr(12, tmp_path / "a", image_size=32, random_state=7)
    b = make_synthetic_cxr(12, tmp_path / "b", image_size=32, random_state=7)
    c = make_synthetic_cxr(12, tmp_path / "c", image_size=32, random_state=8)
    cols = ["label", "patientid", "sex", "age", "center_x", "center_y", "scale"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    np.testing.assert_array_equal(_pixels(a), _pixels(b))
    assert not np.array_equal(_pixels(a), _pixels(c))


def test_images_look_like_chest_films(tmp_path):
    size = 64
    table = make_synthetic_cxr(40, tmp_path, image_size=size, random_state=2)
    images = _pixels(table).astype(float)
    lungs = _synthetic_lung_masks(table, size)
    healthy = (table["label"] == "non-covid").to_numpy()
    corner = images[:, :4, :4].mean(axis=(1, 2))
    lung_mean = np.array([im[m].mean() for im, m in zip(images, lungs)])
    body = ~lungs
    body[:, :, : size // 4] = False  # the mediastinum / heart column, not background
    body[:, :, 3 * size // 4:] = False
    mid_mean = np.array([im[m].mean() for im, m in zip(images, body)])
    assert (corner < 45).all()  # dark background
    assert (lung_mean[healthy] + 40 < mid_mean[healthy]).all()  # darker lung fields
    # variation in position and scale between images
    assert table["center_x"].std() > 0.01 and table["scale"].std() > 0.03


def test_opacities_lie_inside_the_lung_fields(tmp_path):
    size = 96
    table = make_synthetic_cxr(60, tmp_path, image_size=size, random_state=3)
    images = _pixels(table).astype(float)
    lungs = _synthetic_lung_masks(table, size)
    inner = ndimage.binary_erosion(lungs, iterations=1, structure=np.ones((1, 3, 3)))
    outside = ~ndimage.binary_dilation(lungs, iterations=3, structure=np.ones((1, 3, 3)))
    texture = np.abs(np.stack([ndimage.laplace(ndimage.gaussian_filter(im, 1)) for im in images]))
    covid = (table["label"] == "covid").to_numpy()
    in_lung = np.array([t[m].mean() for t, m in zip(texture, inner)])
    out_lung = np.array([t[m].mean() for t, m in zip(texture, outside)])
    # covid lungs are far more textured than healthy ones; outside, both alike
    assert np.median(in_lung[covid]) > 1.5 * np.median(in_lung[~covid])
    assert np.median(out_lung[covid]) < 1.3 * np.median(out_lung[~covid])


def test_mean_brightness_does_not_give_the_class_away(tmp_path):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    table = make_synthetic_cxr(200, tmp_path, image_size=48, random_state=4)
    images = _pixels(table).astype(float) / 255
    features = np.c_[images.mean(axis=(1, 2)), images.std(axis=(1, 2))]
    accuracy = cross_val_score(LogisticRegression(), features, table["label"], cv=5).mean()
    assert accuracy < 0.72


def test_lung_mask_geometry():
    mask = _synthetic_lung_mask(64)
    assert mask.shape == (64, 64) and mask.dtype == bool
    assert 0.12 < mask.mean() < 0.35
    assert not mask[:, 30:34].any()  # two fields, split by the mediastinum
    assert mask[:, :32].sum() > mask[:, 32:].sum()  # heart shadow on the image's right
    shifted = _synthetic_lung_mask(64, center_x=0.55)
    assert shifted[:, 40:].sum() > mask[:, 40:].sum()
    assert _synthetic_lung_mask(64, scale=0.8).sum() < mask.sum()


def test_fast_enough(tmp_path):
    start = time.perf_counter()
    make_synthetic_cxr(200, tmp_path, image_size=128, random_state=0)
    assert time.perf_counter() - start < 8.0  # about 0.5 s unloaded


@pytest.mark.parametrize("kwargs, match", [
    ({"n_samples": 1}, "n_samples must be >= 2"),
    ({"n_samples": 10, "image_size": 8}, "image_size must be >= 16"),
])
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_synthetic_cxr(directory=tmp_path, **kwargs)


def _flat_cnn(input_shape, n_classes):
    """Conv-pool x3, flatten, dense: a plain small CNN that keeps where things are."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for i, filters in enumerate((16, 32, 32), start=1):
        x = layers.Conv2D(filters, 3, activation="relu", padding="same", name=f"conv{i}")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Dense(32, activation="relu")(layers.Flatten()(x))
    logits = layers.Dense(n_classes, name="logits")(x)
    return keras.Model(inputs, layers.Activation("softmax")(logits))


@pytest.mark.slow
def test_a_small_cnn_learns_the_classes(tmp_path):
    """The learnability claim, through XRayLoader and CXRClassifier on held-out patients."""
    from sklearn.model_selection import GroupShuffleSplit

    import skcxr
    from skcxr.architectures import register_architecture

    register_architecture("_test_flat_cnn", _flat_cnn, overwrite=True)
    table = make_synthetic_cxr(400, tmp_path, image_size=48, random_state=0)
    X = skcxr.XRayLoader(size=(48, 48)).transform(table)
    y = table["label"].to_numpy()
    train, test = next(
        GroupShuffleSplit(1, test_size=0.3, random_state=0).split(X, y, table["patientid"]))
    assert not set(table["patientid"].iloc[train]) & set(table["patientid"].iloc[test])
    clf = skcxr.CXRClassifier(
        "_test_flat_cnn", epochs=8, batch_size=16, learning_rate=1e-3, random_state=0,
        augmentation=False, class_weight=None)  # the learnability claim, not the class defaults
    clf.fit(X[train], y[train])
    accuracy = clf.score(X[test], y[test])
    assert accuracy >= 0.9, accuracy
