"""DICOM decoding at the size it is needed: JPEG 2000 at a reduced resolution level,
and the display transform through a lookup table (same pixels as per pixel)."""

import numpy as np
import pytest

from _dicom_files import write_dicom
from _requirements import skip_or_fail
from skcxr import XRayLoader
from skcxr.preprocessing import read_image
from skcxr.preprocessing import _dicom_io, _j2k

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("openjpeg")

REAL = ("CR-MONO1-10-chest.dcm", "RG1_J2KI.dcm", "CR-ModalitySequenceLUT.dcm", "RG3_J2KR.dcm")


@pytest.fixture(scope="module")
def dicom_root(data_root):
    root = data_root / "dicom"
    if not all((root / name).is_file() for name in REAL):
        skip_or_fail(f"real DICOM files missing in {root}")
    return root


def _j2k_file(path, width=517, height=300, lossy=False, **kwargs):
    """A 12-bit film with smooth structure and noise, JPEG 2000 compressed."""
    from pydicom.uid import JPEG2000, JPEG2000Lossless

    rng = np.random.RandomState(0)
    yy, xx = np.mgrid[:height, :width]
    pixels = 2000 + 1500 * np.sin(xx / 40) * np.cos(yy / 33) + rng.normal(0, 50, xx.shape)
    pixels = np.clip(pixels, 0, 4095).astype(np.uint16)
    write_dicom(path, pixels, bits_stored=12, **kwargs)
    ds = pydicom.dcmread(path)
    if lossy:
        ds.compress(JPEG2000, encoding_plugin="pylibjpeg", j2k_cr=[10])
    else:
        ds.compress(JPEG2000Lossless, encoding_plugin="pylibjpeg")
    ds.save_as(path)
    return path, pixels


@pytest.mark.parametrize("width, height", [(517, 300), (512, 512), (301, 640)])
def test_reduced_level_sizes_follow_openjpeg_rounding(tmp_path, width, height):
    path, _ = _j2k_file(tmp_path / "a.dcm", width, height)
    ds = pydicom.dcmread(path)
    stored, factor = _j2k.reduced_j2k(ds, (64, 64))
    # the coarsest level still >= 64 px on both sides; sizes rounded up as OpenJPEG does
    assert factor == 4 if min(width, height) < 512 else factor == 8
    assert stored.shape == (-(-height // factor), -(-width // factor))
    full, _ = _j2k.reduced_j2k(ds, (width, height)) or (None, None)
    assert full is None  # the target needs every pixel: no reduction


@pytest.mark.parametrize("lossy", [False, True])
@pytest.mark.parametrize("resize", ["crop", "stretch", "pad"])
def test_reduced_decode_matches_full_decode_and_resize(tmp_path, lossy, resize):
    path, _ = _j2k_file(tmp_path / "a.dcm", lossy=lossy, window=(2048, 4096))
    reduced = read_image(path, size=(48, 64), resize=resize)
    full = read_image(path, size=(48, 64), resize=resize, draft=False)
    assert reduced.shape == full.shape == (48, 64)
    # measured 0.2-0.4 of 255; a half-pixel shift of the wavelet samples gives ~2
    assert np.abs(reduced.astype(float) - full).mean() < 0.6


def test_reduced_level_is_used_only_when_it_helps(tmp_path, monkeypatch):
    path, pixels = _j2k_file(tmp_path / "a.dcm")
    calls = []
    real = _j2k.reduced_j2k

    def spy(ds, min_size):
        calls.append(min_size)
        return real(ds, min_size)

    monkeypatch.setattr(_dicom_io, "reduced_j2k", spy)
    read_image(path, size=(64, 64))
    assert calls == [(64, 64)]
    read_image(path)  # full size: pydicom decodes every pixel
    read_image(path, size=(64, 64), draft=False)
    assert calls == [(64, 64)]
    # a full-size read is the stored image through the window, exactly
    expected = np.rint(_dicom_io.dicom_image(path) * 255)
    np.testing.assert_array_equal(read_image(path), expected)


def test_signed_or_odd_codestreams_fall_back_to_a_full_decode(tmp_path):
    path, _ = _j2k_file(tmp_path / "a.dcm")
    ds = pydicom.dcmread(path)
    ds.PixelRepresentation = 1
    assert _j2k.reduced_j2k(ds, (16, 16)) is None
    assert _j2k.j2k_levels(b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\0" * 60) is None


@pytest.mark.parametrize("voi", ["auto", None, (1500.0, 1000.0)])
def test_lookup_table_gives_the_per_pixel_values(tmp_path, voi):
    rng = np.random.RandomState(1)
    pixels = rng.randint(100, 3000, size=(40, 30)).astype(np.uint16)
    path = write_dicom(tmp_path / "a.dcm", pixels, bits_stored=12, photometric="MONOCHROME1",
                       rescale=(2.0, -100.0), window=(2500, 3000))
    image, box = _dicom_io.dicom_display(path, voi=voi)
    assert box == (0.0, 0.0, 30.0, 40.0)
    np.testing.assert_array_equal(image, np.rint(_dicom_io.dicom_image(path, voi=voi) * 255))


@pytest.mark.real_data
@pytest.mark.parametrize("name", REAL)
def test_real_films_reduced_within_a_grey_level_of_full_decode(dicom_root, name):
    path = dicom_root / name
    full_size, _ = _dicom_io.dicom_display(path)
    np.testing.assert_array_equal(full_size, np.rint(_dicom_io.dicom_image(path) * 255))
    reduced = read_image(path, size=(224, 224))
    full = read_image(path, size=(224, 224), draft=False)
    # measured at most 0.48 of 255 (RG1 at 224 px); 0 for the films not in JPEG 2000
    assert np.abs(reduced.astype(float) - full).mean() <= 1.0


@pytest.mark.real_data
def test_loader_reads_reduced_films_the_same_in_threads(dicom_root):
    paths = [dicom_root / name for name in REAL] * 2
    X = XRayLoader(size=(64, 64), n_jobs=2).transform(paths)
    np.testing.assert_array_equal(X, XRayLoader(size=(64, 64), n_jobs=1).transform(paths))
