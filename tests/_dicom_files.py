"""Writing small DICOM files with pydicom for the tests (imported by tests/test_dicom*.py)."""

import numpy as np


def write_dicom(
    path,
    pixels,
    *,
    photometric="MONOCHROME2",
    bits_stored=None,
    window=None,
    rescale=None,
    voi_lut=None,
    patient_id="P1",
    view="PA",
    body_part="CHEST",
    modality="DX",
    preamble=True,
    sex=None,
    age=None,
    frames=None,
    **tags,
):
    """Write ``pixels`` (2-D unsigned ints; 3-D with ``frames`` or colour) as DICOM.

    ``window``: ``(center, width)`` or ``([centers], [widths])``; ``rescale``:
    ``(slope, intercept)``; ``voi_lut``: ``(first_mapped, lut_values)``;
    ``preamble=False`` writes a bare implicit-VR dataset without preamble or
    file meta (as old devices did). ``pixels=None`` writes no pixel data.
    Other keyword arguments are set as tags (``None`` values are left out).
    """
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import (
        DigitalXRayImageStorageForPresentation, ExplicitVRLittleEndian, generate_uid)

    ds = Dataset()
    ds.SOPClassUID = DigitalXRayImageStorageForPresentation
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = modality
    for keyword, value in (("PatientID", patient_id), ("ViewPosition", view),
                           ("BodyPartExamined", body_part), ("PatientSex", sex),
                           ("PatientAge", age), *tags.items()):
        if value is not None:
            setattr(ds, keyword, value)
    if pixels is not None:
        pixels = np.asarray(pixels)
        colour = photometric not in ("MONOCHROME1", "MONOCHROME2")
        ds.SamplesPerPixel = 3 if colour else 1
        ds.PhotometricInterpretation = photometric
        if colour:
            ds.PlanarConfiguration = 0
        if frames is not None:
            ds.NumberOfFrames = frames
        ds.Rows, ds.Columns = pixels.shape[1:3] if frames is not None else pixels.shape[:2]
        ds.BitsAllocated = 8 if colour else 16
        ds.BitsStored = bits_stored or ds.BitsAllocated
        ds.HighBit = ds.BitsStored - 1
        ds.PixelRepresentation = 0
        dtype = np.uint8 if colour else np.uint16
        ds.PixelData = np.ascontiguousarray(pixels.astype(dtype)).tobytes()
        if rescale is not None:
            ds.RescaleSlope, ds.RescaleIntercept = rescale
        if window is not None:
            ds.WindowCenter, ds.WindowWidth = window
        if voi_lut is not None:
            first, values = voi_lut
            item = Dataset()
            item.LUTDescriptor = [len(values), first, 16]
            item.add_new("LUTData", "US", [int(v) for v in values])
            ds.VOILUTSequence = Sequence([item])
    if preamble:
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = ds.SOPClassUID
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta = meta
        ds.preamble = b"\0" * 128
        ds.save_as(path, enforce_file_format=True)
    else:
        ds.save_as(path, implicit_vr=True, little_endian=True, enforce_file_format=False)
    return path


def png_to_dicom(png_path, dicom_path, *, photometric="MONOCHROME2", bits=8, **kwargs):
    """The same X-ray as DICOM, from the grey values skcxr reads from ``png_path``.

    ``bits=8``: the values in 16-bit words with the window ``(128, 256)``,
    which maps them onto themselves (PS3.3 C.11.2.1.2). ``bits=12``: the
    values spread over 0..4095 (``round(v * 4095 / 255)``) with the window
    ``(2048, 4096)``, as a 12-bit detector would store them; the window maps
    them back to ``v`` up to 0.07 grey level. MONOCHROME1 stores them
    inverted (``2**bits - 1 - value``).
    """
    from skcxr.preprocessing import read_image

    values = read_image(png_path).astype(np.float64)
    values = np.rint(values * (2 ** bits - 1) / 255).astype(np.uint16)
    if photometric == "MONOCHROME1":
        values = (2 ** bits - 1) - values
    kwargs.setdefault("window", (128, 256) if bits == 8 else (2048, 4096))
    return write_dicom(dicom_path, values, photometric=photometric, bits_stored=bits, **kwargs)
