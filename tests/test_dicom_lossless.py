"""JPEG lossless DICOM (the usual PACS export) decoded by libjpeg-turbo through
imagecodecs: the same stored values as pydicom's own decoder, and pydicom's
path whenever imagecodecs is missing or the file is unusual."""

import builtins

import numpy as np
import pytest

from _dicom_files import write_dicom
from _requirements import skip_or_fail
from skcxr.preprocessing import read_image
from skcxr.preprocessing import _dicom_io, _ljpeg

pydicom = pytest.importorskip("pydicom")
imagecodecs = pytest.importorskip("imagecodecs")
pytest.importorskip("libjpeg")  # pydicom's own decoder, the reference here


def _lossless_file(path, bits=12, shape=(150, 213), **kwargs):
    """A film with smooth structure and noise, JPEG lossless (SV1) compressed."""
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGLosslessSV1

    rng = np.random.RandomState(bits)
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    top = (1 << bits) - 1
    pixels = top / 2 + top / 3 * np.sin(xx / 17) * np.cos(yy / 23) + rng.normal(0, top / 60, xx.shape)
    pixels = np.clip(pixels, 0, top).astype(np.uint16)
    write_dicom(path, pixels, bits_stored=bits, **kwargs)
    ds = pydicom.dcmread(path)
    ds.PixelData = encapsulate([imagecodecs.jpeg8_encode(pixels, lossless=True, bitspersample=bits)])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = JPEGLosslessSV1
    ds.save_as(path)
    return path, pixels


@pytest.mark.parametrize("bits", [10, 12, 16])
def test_lossless_jpeg_gives_pydicoms_stored_values(tmp_path, bits):
    path, pixels = _lossless_file(tmp_path / "a.dcm", bits=bits)
    ds = pydicom.dcmread(path)
    stored = _ljpeg.lossless_jpeg(ds)
    assert stored is not None and stored.shape == pixels.shape
    np.testing.assert_array_equal(stored, pixels)
    np.testing.assert_array_equal(stored, ds.pixel_array)  # pylibjpeg-libjpeg's decode


def test_without_imagecodecs_pydicom_decodes_the_same_image(tmp_path, monkeypatch):
    path, _ = _lossless_file(tmp_path / "a.dcm", window=(2048, 4096))
    fast = read_image(path, size=(64, 64))
    real_import = builtins.__import__

    def no_imagecodecs(name, *args, **kwargs):
        if name == "imagecodecs":
            raise ImportError("no imagecodecs here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_imagecodecs)
    assert _ljpeg.lossless_jpeg(pydicom.dcmread(path)) is None
    np.testing.assert_array_equal(read_image(path, size=(64, 64)), fast)


def test_unusual_files_are_left_to_pydicom(tmp_path):
    path, _ = _lossless_file(tmp_path / "a.dcm")
    ds = pydicom.dcmread(path)
    ds.PixelRepresentation = 1  # signed values: pydicom's sign extension rules
    assert _ljpeg.lossless_jpeg(ds) is None
    ds = pydicom.dcmread(path)
    ds.Rows = ds.Rows + 1  # the codestream disagrees with the header
    assert _ljpeg.lossless_jpeg(ds) is None
    plain = write_dicom(tmp_path / "b.dcm", np.zeros((8, 8), np.uint16))
    assert _ljpeg.lossless_jpeg(pydicom.dcmread(plain)) is None  # not JPEG at all


@pytest.mark.real_data
def test_real_lossless_film_same_values_as_pydicom(data_root):
    path = data_root / "dicom" / "CR-ModalitySequenceLUT.dcm"
    if not path.is_file():
        skip_or_fail(f"real DICOM file missing: {path}")
    ds = pydicom.dcmread(path)
    assert str(ds.file_meta.TransferSyntaxUID) in _ljpeg.LOSSLESS_JPEG_SYNTAXES
    np.testing.assert_array_equal(_ljpeg.lossless_jpeg(ds), ds.pixel_array)
    image, _ = _dicom_io.dicom_display(path)
    np.testing.assert_array_equal(image, np.rint(_dicom_io.dicom_image(path) * 255))
