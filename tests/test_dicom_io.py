"""DICOM input of read_image and XRayLoader: the four real files, the pixel path, the errors.

The real files are ``$SKCXR_DATA/dicom`` (``../shared/data/dicom``): two chest
films (MONOCHROME1, one without preamble / file meta, one JPEG 2000 lossy),
a dental film with a Modality LUT Sequence (JPEG lossless) and a tibia film
(JPEG 2000 lossless). Synthetic files are written with pydicom
(``tests/_dicom_files.py``).
"""

import re
import sys

import numpy as np
import pytest
from PIL import Image

from _dicom_files import png_to_dicom, write_dicom
from _requirements import skip_or_fail
from skcxr import XRayLoader
from skcxr.preprocessing import ImageReadError, read_image
from skcxr.preprocessing import _dicom_io

pydicom = pytest.importorskip("pydicom")

REAL = {  # name: (rows, columns, chest)
    "CR-MONO1-10-chest.dcm": (440, 440, True),
    "RG1_J2KI.dcm": (1955, 1841, True),
    "CR-ModalitySequenceLUT.dcm": (1576, 1976, False),
    "RG3_J2KR.dcm": (1760, 1760, False),
}


@pytest.fixture(scope="module")
def dicom_root(data_root):
    root = data_root / "dicom"
    missing = [name for name in REAL if not (root / name).is_file()]
    if missing:
        message = f"real DICOM files missing in {root}: {missing}"
        skip_or_fail(message)
    return root


def _reference(path):
    """pydicom's own rendering: Modality LUT, VOI (window) or min-max, MONOCHROME1 inverted.

    The window's output range is 0 .. 2**BitsStored - 1 for these files (no
    rescale, no Modality LUT Sequence together with a window).
    """
    from pydicom.dataset import FileMetaDataset
    from pydicom.pixels import apply_modality_lut, apply_voi_lut
    from pydicom.uid import ImplicitVRLittleEndian

    ds = pydicom.dcmread(path, force=True)
    if "TransferSyntaxUID" not in getattr(ds, "file_meta", {}):
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    values = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
    if "WindowCenter" in ds:
        values = apply_voi_lut(values, ds) / (2 ** ds.BitsStored - 1)
    else:
        values = (values - values.min()) / (values.max() - values.min())
    if ds.PhotometricInterpretation == "MONOCHROME1":
        values = 1 - values
    return values * 255


# ------------------------------------------------------------ the four real files
@pytest.mark.real_data
@pytest.mark.parametrize("name", list(REAL))
def test_real_file_shape_dtype_range_and_pydicom_reference(dicom_root, name):
    rows, columns, _ = REAL[name]
    path = dicom_root / name
    image = read_image(path)
    assert image.shape == (rows, columns) and image.dtype == np.uint8
    assert image.min() <= 30 and image.max() >= 245  # the window / range is used
    # pydicom's rendering, to rounding: max |difference| 0.5 of 255 (measured 0.499-0.5)
    reference = _reference(path)
    assert np.abs(image - reference).max() <= 0.5 + 1e-6
    small = read_image(path, size=(64, 64), color_mode="rgb")
    assert small.shape == (64, 64, 3) and small.dtype == np.uint8
    expected = np.asarray(Image.fromarray(reference.astype(np.float32)).resize(
        (64, 64), Image.Resampling.BICUBIC, reducing_gap=3.0))
    assert np.abs(small[..., 0] - expected).mean() < 1.0  # measured 0.16-0.33 at 128 px


@pytest.mark.real_data
@pytest.mark.parametrize("name", [n for n, (_, _, chest) in REAL.items() if chest])
def test_real_chest_films_are_the_right_way_round(dicom_root, name):
    # MONOCHROME1 (air bright as stored): after inversion the air-filled lung
    # fields are darker than the mediastinum and spine (measured 99 vs 179 and
    # 154 vs 223 of 255 on the two PA films)
    image = read_image(dicom_root / name, size=(128, 128)).astype(float)
    rows = slice(38, 77)  # 30% .. 60% of the height
    lungs = np.r_[image[rows, 26:45].ravel(), image[rows, 83:102].ravel()].mean()
    mediastinum = image[rows, 58:70].mean()
    assert mediastinum - lungs > 50


@pytest.mark.real_data
def test_real_files_through_the_loader_threads_match_sequential(dicom_root):
    paths = [dicom_root / name for name in REAL]
    X = XRayLoader(size=(32, 32), n_jobs=2).fit_transform(paths)
    assert X.shape == (4, 32, 32, 1) and X.dtype == np.float32
    assert 0.0 <= X.min() and X.max() <= 1.0
    np.testing.assert_array_equal(X, XRayLoader(size=(32, 32), n_jobs=1).transform(paths))
    for row, path in zip(X, paths):
        np.testing.assert_array_equal(
            row[..., 0], read_image(path, size=(32, 32), resize="crop") / np.float32(255)
        )


@pytest.mark.real_data
def test_bare_dataset_without_preamble_is_read_by_content_under_any_name(dicom_root, tmp_path):
    source = dicom_root / "CR-MONO1-10-chest.dcm"
    head = source.read_bytes()[:132]
    assert head[128:132] != b"DICM"  # no preamble, no file meta
    renamed = tmp_path / "chest.png"
    renamed.write_bytes(source.read_bytes())
    np.testing.assert_array_equal(read_image(renamed), read_image(source))


@pytest.mark.real_data
def test_compressed_file_without_decoder_names_the_package(dicom_root, monkeypatch):
    missing = "pylibjpeg - requires pylibjpeg>=2.0 and pylibjpeg-libjpeg>=2.1"
    monkeypatch.setattr(_dicom_io, "_decoder_missing", lambda transfer_syntax: missing)
    path = dicom_root / "CR-ModalitySequenceLUT.dcm"  # JPEG lossless
    with pytest.raises(ImageReadError) as info:
        read_image(path)
    message = str(info.value)
    assert str(path) in message and "JPEG Lossless" in message
    assert "install pylibjpeg-libjpeg" in message and "skcxr[dicom]" in message
    with pytest.raises(ImageReadError, match=r"install pylibjpeg-openjpeg"):
        read_image(dicom_root / "RG3_J2KR.dcm")  # JPEG 2000


# ------------------------------------------------------------ the pixel path
RAMP = np.tile(np.arange(0, 256, 4, dtype=np.uint16), (6, 1))  # 0..252


@pytest.mark.parametrize("photometric, stored", [("MONOCHROME2", RAMP), ("MONOCHROME1", 255 - RAMP)])
def test_identity_window_gives_the_stored_grey_values(tmp_path, photometric, stored):
    path = write_dicom(tmp_path / "x.dcm", stored, photometric=photometric, bits_stored=8,
                       window=(128, 256))
    np.testing.assert_array_equal(read_image(path), RAMP)


def test_rescale_then_window_in_that_order(tmp_path):
    # stored s, modality value 2 s - 100 (e.g. HU-like); window 0..200 on the modality values
    stored = np.tile(np.arange(0, 200, 2, dtype=np.uint16), (4, 1))
    path = write_dicom(tmp_path / "x.dcm", stored, bits_stored=12, rescale=(2, -100),
                       window=(100.5, 201))
    modality = 2.0 * stored - 100
    expected = np.clip(modality / 200, 0, 1) * 255  # window [0, 200] -> full range
    assert np.abs(read_image(path) - expected).max() <= 0.5 + 1e-6
    assert (read_image(path)[:, :26] == 0).all()  # modality values <= 0: clipped black


def test_first_window_by_default_another_by_index(tmp_path):
    path = write_dicom(tmp_path / "x.dcm", RAMP, bits_stored=8,
                       window=([128, 64], [256, 128]))
    np.testing.assert_array_equal(read_image(path), RAMP)  # the first window
    np.testing.assert_array_equal(read_image(path, dicom_voi=0), RAMP)
    second = read_image(path, dicom_voi=1)
    assert (second[:, RAMP[0] <= 0] == 0).all() and (second[:, RAMP[0] >= 128] == 255).all()
    with pytest.raises(ImageReadError, match=r"dicom_voi=2.*x\.dcm.*2 window\(s\)"):
        read_image(path, dicom_voi=2)


def test_own_window_and_no_voi(tmp_path):
    path = write_dicom(tmp_path / "x.dcm", RAMP + 1000, bits_stored=12, window=(5000, 10))
    # None: min-max of the Modality LUT output, whatever the file's window says
    np.testing.assert_array_equal(read_image(path, dicom_voi=None), np.rint(RAMP / 252 * 255))
    own = read_image(path, dicom_voi=(1126, 252))  # 1000 black .. 1252 white, exactly
    np.testing.assert_array_equal(own, np.rint(RAMP / 252 * 255))
    narrow = read_image(path, dicom_voi=(1101, 0.5))  # LINEAR_EXACT: any width > 0
    assert set(np.unique(narrow)) == {0, 255}


def test_a_window_pydicom_refuses_names_the_file(tmp_path):
    path = write_dicom(tmp_path / "bad.dcm", RAMP, bits_stored=8, window=(128, 0))
    with pytest.raises(ImageReadError, match=r"cannot apply the VOI.*bad\.dcm.*dicom_voi=None"):
        read_image(path)
    assert read_image(path, dicom_voi=None).max() == 255


def test_no_window_falls_back_to_min_max(tmp_path):
    path = write_dicom(tmp_path / "x.dcm", RAMP * 4 + 100, bits_stored=12)
    np.testing.assert_array_equal(read_image(path), np.rint(RAMP / 252 * 255))
    with pytest.raises(ImageReadError, match=r"no VOI LUT and no window"):
        read_image(path, dicom_voi=0)


def test_voi_lut_sequence_is_preferred_and_scaled_by_its_own_range(tmp_path):
    lut = np.arange(256)[::-1] * 4  # 1020..0: a decreasing 10-bit LUT
    path = write_dicom(tmp_path / "x.dcm", RAMP, bits_stored=8, voi_lut=(0, lut),
                       window=(128, 256))
    np.testing.assert_array_equal(read_image(path), 255 - RAMP)


@pytest.mark.parametrize("photometric", ["MONOCHROME2", "MONOCHROME1"])
def test_constant_image_is_black(tmp_path, photometric):
    path = write_dicom(tmp_path / "x.dcm", np.full((5, 5), 7), bits_stored=8,
                       photometric=photometric)
    assert (read_image(path) == 0).all()  # as a constant 16-bit PNG


def test_loader_mixes_png_and_dicom_and_passes_dicom_voi(tmp_path):
    png = tmp_path / "x.png"
    Image.fromarray(RAMP.astype(np.uint8)).save(png)
    m2 = png_to_dicom(png, tmp_path / "m2.dcm")
    m1 = png_to_dicom(png, tmp_path / "m1", photometric="MONOCHROME1", preamble=False)
    X = XRayLoader(size=(6, 64), dtype="uint8").fit_transform([png, m2, m1])
    np.testing.assert_array_equal(X[1], X[0])
    np.testing.assert_array_equal(X[2], X[0])
    none = XRayLoader(size=(6, 64), dtype="uint8", dicom_voi=None).transform([m2])
    np.testing.assert_array_equal(none[0, ..., 0], np.rint(RAMP / 252 * 255))


# ------------------------------------------------------------ errors
def test_no_pixel_data(tmp_path):
    path = write_dicom(tmp_path / "report.dcm", None, Modality="SR")
    with pytest.raises(ImageReadError, match=r"report\.dcm.*has no pixel data.*not an image"):
        read_image(path)


def test_multi_frame(tmp_path):
    path = write_dicom(tmp_path / "cine.dcm", np.zeros((3, 4, 4)), frames=3)
    with pytest.raises(ImageReadError, match=r"cine\.dcm.*holds 3 frames"):
        read_image(path)


@pytest.mark.parametrize("photometric", ["RGB", "YBR_FULL"])
def test_colour(tmp_path, photometric):
    path = write_dicom(tmp_path / "photo.dcm", np.zeros((4, 4, 3)), photometric=photometric)
    with pytest.raises(ImageReadError, match=rf"photo\.dcm.*colour.*{photometric}"):
        read_image(path)


def test_missing_pydicom_says_which_extra(tmp_path, monkeypatch):
    path = write_dicom(tmp_path / "x.dcm", RAMP, bits_stored=8)
    monkeypatch.setitem(sys.modules, "pydicom", None)  # import pydicom -> ImportError
    with pytest.raises(ImportError, match=r"x\.dcm.*pip install 'skcxr\[dicom\]'"):
        read_image(path)
    png = tmp_path / "x.png"  # other formats do not need it
    Image.fromarray(RAMP.astype(np.uint8)).save(png)
    assert read_image(png).shape == RAMP.shape


def test_corrupt_dicom_names_the_file(tmp_path):
    path = tmp_path / "broken.dcm"
    data = bytearray(write_dicom(tmp_path / "ok.dcm", RAMP, bits_stored=8).read_bytes())
    path.write_bytes(bytes(data[:200]))  # DICM magic, then cut inside the meta header
    with pytest.raises(ImageReadError, match=r"broken\.dcm"):
        read_image(path)


def test_decompression_bomb_limit_applies_to_dicom(tmp_path, monkeypatch):
    path = write_dicom(tmp_path / "x.dcm", RAMP, bits_stored=8)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", RAMP.size - 1)
    with pytest.raises(ImageReadError, match=r"refusing to decode.*x\.dcm"):
        read_image(path)


@pytest.mark.parametrize("bad", ["first", -1, 1.5, True, (1, 0), (1, 2, 3), "window"])
def test_bad_dicom_voi(tmp_path, bad):
    path = write_dicom(tmp_path / "x.dcm", RAMP, bits_stored=8)
    with pytest.raises(ValueError, match=re.escape("dicom_voi must be")):
        read_image(path, dicom_voi=bad)
    with pytest.raises(ValueError, match=re.escape("dicom_voi must be")):
        XRayLoader(dicom_voi=bad).fit([path])


def test_random_bytes_starting_like_a_dataset_still_say_not_an_image(tmp_path):
    path = tmp_path / "noise.bin"
    path.write_bytes(b"\x10\x00\x10\x00" + bytes(range(200)))  # group 0x0010: not a start
    with pytest.raises(ImageReadError, match=r"not an image file Pillow can read, nor DICOM"):
        read_image(path)
