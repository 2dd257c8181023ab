"""Tests for skcxr.preprocessing.XRayNormalizer."""

import pickle

import numpy as np
import pytest
from skimage import exposure
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from _preprocessing_files import frontal_paths, write_image_kinds
from skcxr.preprocessing import XRayLoader, XRayNormalizer

METHODS = ["hist", "clahe", "none"]


def _low_contrast(n=5, size=32, channels=1, dtype=np.float32, seed=0):
    """Images squeezed into [0.3, 0.5] with different means: room to normalise."""
    rng = np.random.default_rng(seed)
    X = 0.3 + 0.2 * rng.random((n, size, size, channels)) ** 2
    if dtype == np.uint8:
        return np.rint(X * 255).astype(np.uint8)
    return X.astype(dtype)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
@pytest.mark.parametrize("channels", [1, 3])
def test_shape_dtype_range_preserved(method, dtype, channels):
    X = _low_contrast(channels=channels, dtype=dtype)
    before = X.copy()
    Xt = XRayNormalizer(method=method).fit_transform(X)
    np.testing.assert_array_equal(X, before)  # input untouched
    assert Xt.shape == X.shape and Xt.dtype == X.dtype
    top = 255 if dtype == np.uint8 else 1.0
    assert Xt.min() >= 0 and Xt.max() <= top
    if method == "none":
        np.testing.assert_array_equal(Xt, X)
    else:  # contrast stretched to the full range, per image
        assert (Xt.reshape(len(X), -1).max(axis=1) >= 0.99 * top).all()
        assert Xt.std() > 2 * X.std()


def test_hist_matches_skimage_equalize_hist():
    X = _low_contrast(dtype=np.uint8)
    Xt = XRayNormalizer(method="hist").transform(X)
    for image, out in zip(X, Xt):
        expected = np.rint(exposure.equalize_hist(image[..., 0]) * 255)
        np.testing.assert_array_equal(out[..., 0], expected)


def test_hist_same_for_uint8_and_float():
    X = _low_contrast(dtype=np.uint8)
    a = XRayNormalizer().transform(X)
    b = XRayNormalizer().transform(X.astype(np.float32) / np.float32(255))
    assert np.abs(a / 255 - b).max() < 0.5 / 255 + 1e-6


def test_clahe_matches_skimage_equalize_adapthist():
    X = _low_contrast(dtype=np.float32)
    Xt = XRayNormalizer(method="clahe", clip_limit=0.02, kernel_size=8).transform(X)
    for image, out in zip(X, Xt):
        expected = exposure.equalize_adapthist(image[..., 0], kernel_size=8, clip_limit=0.02)
        np.testing.assert_allclose(out[..., 0], expected, atol=1e-6)


def test_clip_limit_changes_clahe():
    X = _low_contrast()
    weak = XRayNormalizer(method="clahe", clip_limit=0.001).transform(X)
    strong = XRayNormalizer(method="clahe", clip_limit=0.5).transform(X)
    assert not np.allclose(weak, strong)


def test_rgb_hist_keeps_channel_order():
    X = _low_contrast(channels=3)
    X[..., 0] *= 0.5  # red darker than green everywhere
    Xt = XRayNormalizer(method="hist").transform(X)
    assert (Xt[..., 0] <= Xt[..., 1]).all()


def test_per_image_and_deterministic():
    X = _low_contrast(n=6)
    full = XRayNormalizer().transform(X)
    np.testing.assert_array_equal(XRayNormalizer().transform(X[2:4]), full[2:4])  # subset
    np.testing.assert_array_equal(XRayNormalizer().transform(X[::-1]), full[::-1])  # order
    np.testing.assert_array_equal(XRayNormalizer().transform(X), full)


@pytest.mark.parametrize("method", ["hist", "clahe"])
def test_threads_do_not_change_output(method):
    X = _low_contrast(n=140, size=24)
    one = XRayNormalizer(method=method, n_jobs=1).transform(X)
    np.testing.assert_array_equal(XRayNormalizer(method=method, n_jobs=2).transform(X), one)


@pytest.mark.parametrize("method", METHODS)
def test_constant_image_unchanged(method):
    X = np.zeros((2, 16, 16, 1), np.float32)
    X[1] = 0.5
    np.testing.assert_array_equal(XRayNormalizer(method=method).transform(X), X)


def test_readonly_and_fortran_input():
    X = np.asfortranarray(_low_contrast())
    expected = XRayNormalizer().transform(np.ascontiguousarray(X))
    X.setflags(write=False)
    np.testing.assert_array_equal(XRayNormalizer().transform(X), expected)


def test_stateless_tags_clone_pickle():
    norm = XRayNormalizer(method="clahe", clip_limit=0.03)
    X = _low_contrast()
    assert norm.fit(X) is norm
    assert not [k for k in vars(norm) if k.endswith("_")]
    tags = norm.__sklearn_tags__()
    assert not tags.requires_fit and not tags.input_tags.two_d_array and not tags.non_deterministic
    assert set(tags.transformer_tags.preserves_dtype) == {"float64", "float32", "uint8"}
    expected = norm.transform(X)
    for other in (clone(norm), pickle.loads(pickle.dumps(norm))):
        assert other.get_params() == norm.get_params()
        np.testing.assert_array_equal(other.transform(X), expected)


@pytest.mark.parametrize(
    "X, error, pattern",
    [(np.zeros((4, 8, 8)), ValueError, r"4-D array.*\(4, 8, 8\)"),
     (np.zeros((0, 8, 8, 1)), ValueError, "XRayNormalizer got 0 images"),
     (np.full((1, 8, 8, 1), np.nan), ValueError, "NaN"),
     (np.full((1, 8, 8, 1), 1.5), ValueError, r"\[0, 1\].*1\.5"),
     (np.full((1, 8, 8, 1), -0.1), ValueError, r"\[0, 1\]"),
     # one validator (skcxr.utils._images) for every image estimator: a bad dtype
     # is a ValueError everywhere, as in CXRClassifier / XRayEmbedder
     (np.zeros((1, 8, 8, 1), np.int16), ValueError, "int16"),
     (np.zeros((1, 8, 8, 1), np.complex64), ValueError, "complex64"),
     (np.full((1, 8, 8, 1), 1.0005), None, None)],
    ids=["3d", "empty", "nan", "above-1", "negative", "int16", "complex", "within-tolerance"],
)
def test_bad_input(X, error, pattern):
    if error is None:  # round-off within skcxr.utils._images.RANGE_TOL is accepted
        assert XRayNormalizer().fit(X).transform(X).shape == X.shape
        return
    with pytest.raises(error, match=pattern):
        XRayNormalizer().fit(X)
    with pytest.raises(error, match=pattern):
        XRayNormalizer().transform(X)


@pytest.mark.parametrize(
    "params, pattern",
    [({"method": "equalize"}, "'method' parameter of XRayNormalizer must be a str among"), ({"clip_limit": 0}, "clip_limit"),
     ({"clip_limit": 2.0}, "clip_limit"), ({"nbins": 1}, "nbins"), ({"kernel_size": 0}, "kernel_size"),
     ({"kernel_size": (8, "a")}, "kernel_size"), ({"n_jobs": 0}, "n_jobs")],
)
def test_bad_parameters(params, pattern):
    with pytest.raises(ValueError, match=pattern):
        XRayNormalizer(**params).fit(_low_contrast())


@pytest.mark.parametrize("method", ["hist", "clahe"])
@pytest.mark.parametrize("color_mode", ["grayscale", "rgb"])
@pytest.mark.parametrize("dtype", ["float32", "uint8"])
def test_after_loader_on_every_image_kind(tmp_path_factory, method, color_mode, dtype):
    kinds = write_image_kinds(tmp_path_factory.mktemp("norm_kinds"))
    pipe = make_pipeline(
        XRayLoader(size=(32, 32), color_mode=color_mode, dtype=dtype), XRayNormalizer(method=method)
    )
    X = pipe.fit_transform(list(kinds.values()))
    assert X.shape == (len(kinds), 32, 32, 1 if color_mode == "grayscale" else 3)
    assert X.dtype == np.dtype(dtype) and X.min() >= 0
    assert (X.reshape(len(kinds), -1).max(axis=1) >= (255 if dtype == "uint8" else 0.99)).all()


@pytest.fixture(scope="module")
def real_images(data_root):
    return XRayLoader(size=(48, 48), dtype="uint8").transform(frontal_paths(data_root))


@pytest.mark.real_data
@pytest.mark.parametrize("method", ["hist", "clahe"])
def test_real_frontal_images(real_images, method):
    X = real_images
    Xt = XRayNormalizer(method=method).transform(X)
    assert Xt.shape == X.shape and Xt.dtype == np.uint8
    flat = Xt.reshape(len(Xt), -1).astype(float)
    assert (flat.max(axis=1) == 255).all()
    # normalisation brings the sources' brightness closer together
    spread_before = X.reshape(len(X), -1).mean(axis=1).std()
    assert flat.mean(axis=1).std() < spread_before
    if method == "hist":  # equalised images are roughly uniform: mean near the middle
        assert abs(flat.mean() - 127.5) < 15
