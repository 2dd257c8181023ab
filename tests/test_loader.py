"""Tests for skcxr.XRayLoader: inputs, outputs, errors, pipelines, real data."""

import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from joblib import Memory
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

import skcxr
from _preprocessing_files import frontal_paths, write_image_kinds
from skcxr.preprocessing import ImageReadError, XRayLoader, XRayNormalizer
from skcxr.preprocessing import _loader
from skcxr.utils import _parallel


@pytest.fixture(scope="module")
def kinds(tmp_path_factory):
    return write_image_kinds(tmp_path_factory.mktemp("loader_kinds"))


@pytest.fixture(scope="module")
def paths(kinds):
    return [str(p) for p in kinds.values()]


def test_public_name():
    assert skcxr.XRayLoader is XRayLoader
    assert XRayLoader().get_params() == {
        "size": (128, 128), "color_mode": "grayscale", "resize": "crop",
        "dtype": "float32", "path_column": "path", "n_jobs": None, "verbose": 0,
        "dicom_voi": "auto",
    }


@pytest.mark.parametrize("color_mode, channels", [("grayscale", 1), ("rgb", 3)])
@pytest.mark.parametrize("resize", ["stretch", "crop", "pad"])
@pytest.mark.parametrize("dtype", ["float32", "uint8"])
def test_every_kind_shape_dtype_range(paths, color_mode, channels, resize, dtype):
    X = XRayLoader(size=(24, 40), color_mode=color_mode, resize=resize, dtype=dtype).fit_transform(paths)
    assert X.shape == (len(paths), 24, 40, channels)
    assert X.dtype == np.dtype(dtype)
    assert X.min() >= 0 and X.max() <= (1 if dtype == "float32" else 255)
    assert not np.isnan(X.astype(float)).any()
    assert (X.reshape(len(paths), -1).max(axis=1) > X.max() / 3).all()  # no blank rows


def test_float_is_uint8_over_255(paths):
    f = XRayLoader(size=(20, 20)).transform(paths)
    u = XRayLoader(size=(20, 20), dtype="uint8").transform(paths)
    np.testing.assert_array_equal(f, u.astype(np.float32) / np.float32(255))
    assert f.max() == 1.0 or u.max() < 255


def test_rows_in_input_order_and_duplicates_kept(kinds):
    order = [kinds["I16_png"], kinds["RGBA_half_transparent_png"], kinds["I16_png"]]
    X = XRayLoader(size=(16, 16), dtype="uint8").transform(order)
    assert X.shape[0] == 3
    np.testing.assert_array_equal(X[0], X[2])
    assert X[1, :, :6].max() == 0 and X[0, :, 8:].min() > 0  # rows not swapped


@pytest.mark.parametrize(
    "wrap",
    [list, tuple, lambda p: [Path(x) for x in p], lambda p: np.array(p, dtype=object),
     np.array, pd.Series, lambda p: pd.Series(p, index=np.arange(len(p))[::-1]),
     lambda p: pd.DataFrame({"path": p, "label": "covid"})],
    ids=["list", "tuple", "Path", "object-array", "str-array", "Series", "Series-reindexed", "DataFrame"],
)
def test_input_kinds_give_same_array(paths, wrap):
    expected = XRayLoader(size=(12, 12)).transform(paths)
    np.testing.assert_array_equal(XRayLoader(size=(12, 12)).fit(wrap(paths)).transform(wrap(paths)), expected)


def test_dataframe_custom_path_column(paths):
    frame = pd.DataFrame({"file": paths, "path": "ignored"})
    X = XRayLoader(size=(8, 8), path_column="file").fit_transform(frame)
    assert X.shape == (len(paths), 8, 8, 1)


def test_n_jobs_does_not_change_output(paths):
    many = paths * 12  # enough rows for several chunks
    sequential = XRayLoader(size=(20, 20), n_jobs=1).transform(many)
    np.testing.assert_array_equal(XRayLoader(size=(20, 20), n_jobs=2).transform(many), sequential)
    np.testing.assert_array_equal(XRayLoader(size=(20, 20), n_jobs=None).transform(many), sequential)


def test_n_jobs_none_resolution():
    from joblib import Parallel, delayed, parallel_config

    assert _parallel.resolve_n_jobs(1) == 1
    assert _parallel.resolve_n_jobs(None) >= 1
    with parallel_config(n_jobs=1):
        assert _parallel.resolve_n_jobs(None) == 1
    # inside a joblib worker (e.g. GridSearchCV(n_jobs=2)) no nested threads
    inner = Parallel(n_jobs=2, prefer="threads")(delayed(_parallel.resolve_n_jobs)(None) for _ in range(2))
    assert inner == [1, 1]


def test_verbose_prints_progress(paths, capsys):
    XRayLoader(size=(8, 8), verbose=1, n_jobs=1).transform(paths * 10)
    err = capsys.readouterr().err
    assert f"[XRayLoader] {len(paths) * 10}/{len(paths) * 10} images" in err
    XRayLoader(size=(8, 8), verbose=0).transform(paths * 10)
    assert capsys.readouterr().err == ""


def test_stateless_fit_learns_nothing(paths):
    loader = XRayLoader(size=(8, 8))
    assert loader.fit(paths) is loader
    assert not [k for k in vars(loader) if k.endswith("_")]  # no fitted attributes
    assert not hasattr(loader, "n_features_in_")
    # transform without fit (requires_fit=False) gives what fit_transform gives
    np.testing.assert_array_equal(XRayLoader(size=(8, 8)).transform(paths), loader.fit_transform(paths))


def test_tags_are_honest():
    tags = XRayLoader().__sklearn_tags__()
    assert tags.input_tags.one_d_array and tags.input_tags.string
    assert not tags.input_tags.two_d_array
    assert not tags.requires_fit and not tags.non_deterministic


def test_clone_and_pickle_round_trip(paths):
    loader = XRayLoader(size=(10, 14), color_mode="rgb", resize="pad", dtype="uint8")
    expected = loader.fit_transform(paths)
    for other in (clone(loader), pickle.loads(pickle.dumps(loader)), pickle.loads(pickle.dumps(loader.fit(paths)))):
        assert other.get_params() == loader.get_params()
        np.testing.assert_array_equal(other.fit_transform(paths), expected)


def _flatten(X):
    return X.reshape(len(X), -1)


def test_in_pipeline_with_normalizer_and_classifier(kinds):
    paths = [str(p) for p in kinds.values()] * 2
    y = ["covid", "non-covid"] * (len(paths) // 2)
    pipe = make_pipeline(
        XRayLoader(size=(16, 16)), XRayNormalizer(), FunctionTransformer(_flatten), LogisticRegression()
    )
    proba = pipe.fit(pd.DataFrame({"path": paths}), y).predict_proba(paths)
    assert proba.shape == (len(paths), 2) and np.allclose(proba.sum(axis=1), 1)


def test_pipeline_memory_decodes_each_image_once(kinds, tmp_path, monkeypatch):
    calls = []
    real_read = _loader.read_image

    def counting_read(path, **kwargs):
        calls.append(path)
        return real_read(path, **kwargs)

    monkeypatch.setattr(_loader, "read_image", counting_read)
    paths = [str(p) for p in kinds.values()] * 2
    y = ["covid", "non-covid"] * (len(paths) // 2)
    pipe = Pipeline(
        [("load", XRayLoader(size=(16, 16), n_jobs=1)), ("flat", FunctionTransformer(_flatten)),
         ("clf", LogisticRegression(C=1.0))],
        memory=Memory(tmp_path, verbose=0),
    )
    pipe.fit(paths, y)
    assert len(calls) == len(paths)
    pipe.set_params(clf__C=0.1).fit(paths, y)  # a second grid-search candidate
    clone(pipe).set_params(clf__C=10.0).fit(paths, y)  # GridSearchCV clones
    assert len(calls) == len(paths)  # served from the cache: no decode
    pipe.set_params(load__size=(8, 8)).fit(paths, y)  # loader parameters are part of the key
    assert len(calls) == 2 * len(paths)


# ---------------------------------------------------------------- bad input
def test_missing_file_named_and_nothing_dropped(paths, tmp_path):
    missing = str(tmp_path / "gone.jpg")
    with pytest.raises(FileNotFoundError, match=re.escape(missing)):
        XRayLoader(size=(8, 8)).transform(paths + [missing])


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_bad_files_named(tmp_path, paths, n_jobs):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    text = tmp_path / "readme.png"
    text.write_text("not pixels")
    cases = [(tmp_path, IsADirectoryError), (empty, ImageReadError), (text, ImageReadError)]
    for bad, error in cases:
        with pytest.raises(error, match=re.escape(str(bad))):
            XRayLoader(size=(8, 8), n_jobs=n_jobs).transform(paths * 4 + [str(bad)])


@pytest.mark.parametrize(
    "X, error, pattern",
    [([], ValueError, "empty input"), (pd.Series([], dtype=object), ValueError, "empty input"),
     ("a.png", TypeError, "single path"), (np.array([["a.png"], ["b.png"]]), ValueError, r"shape \(2, 1\)"),
     (["a.png", None], TypeError, "position 1.*NoneType"), (["a.png", np.nan], TypeError, "position 1"),
     (["a.png", ""], ValueError, "position 1 is an empty string"), (42, TypeError, "sequence of image paths"),
     (pd.DataFrame({"file": ["a.png"]}), ValueError, "path_column='path'.*columns are \\['file'\\]")],
    ids=["empty-list", "empty-series", "str", "2d", "None", "nan", "empty-str", "int", "no-column"],
)
def test_bad_input_structure(X, error, pattern):
    with pytest.raises(error, match=pattern):
        XRayLoader().fit(X)
    with pytest.raises(error, match=pattern):
        XRayLoader().transform(X)


@pytest.mark.parametrize(
    "params, pattern",
    [({"color_mode": "greyscale"}, "'color_mode' parameter of XRayLoader must be a str among"), ({"size": 150}, r"size must be \(height, width\)"),
     ({"size": (150, 0)}, "size must be"), ({"size": (150.0, 150.0)}, "size must be"),
     ({"resize": "fit"}, "'resize' parameter .* among .*'crop'"), ({"dtype": "float64"}, "'dtype' parameter .* among"),
     ({"n_jobs": 0}, "n_jobs"), ({"verbose": "yes"}, "verbose")],
)
def test_bad_parameters_named(paths, params, pattern):
    with pytest.raises(ValueError, match=pattern):
        XRayLoader(**params).fit(paths)
    with pytest.raises(ValueError, match=pattern):
        XRayLoader(**params).transform(paths)


# ---------------------------------------------------------------- real data
@pytest.mark.real_data
def test_all_real_frontal_images(data_root):
    paths = frontal_paths(data_root)
    assert len(paths) > 1300
    X = XRayLoader(size=(64, 64)).transform(paths)
    assert X.shape == (len(paths), 64, 64, 1) and X.dtype == np.float32
    assert np.isfinite(X).all() and X.min() >= 0 and X.max() <= 1
    per_image = X.reshape(len(X), -1)
    assert (per_image.max(axis=1) > per_image.min(axis=1)).all()  # every image has contrast
    # the 17 covid-chestxray .jpg files holding PNG bytes decode like the rest
    png_in_jpg = [p for p in paths if p.endswith("000001-12.jpg")]
    assert png_in_jpg and XRayLoader(size=(64, 64), color_mode="rgb").transform(png_in_jpg).std() > 0.05
