"""DICOM pixel data -> a display image in [0, 1], for :func:`read_image`.

The pixel path follows the DICOM standard's order (PS3.3 C.11, PS3.4 N.2):

1. decode the stored values (pydicom and its pylibjpeg plugins),
2. the Modality LUT (``RescaleSlope`` / ``RescaleIntercept`` or a Modality
   LUT Sequence): :func:`pydicom.pixels.apply_modality_lut`,
3. the VOI LUT (a VOI LUT Sequence) or the window (``WindowCenter`` /
   ``WindowWidth``, the first when several): :func:`pydicom.pixels.apply_voi_lut`,
   scaled by the output range of that transform; with no VOI, the
   minimum..maximum of the Modality LUT output,
4. ``MONOCHROME1`` inversion (high values dark), so air comes out black and
   bone white as in every PNG / JPEG X-ray.

pydicom is imported lazily: it is an optional extra (``skcxr[dicom]``).
"""

from numbers import Integral

import numpy as np

from ..utils._images import minmax_rescale
from ._errors import ImageReadError
from ._j2k import reduced_j2k
from ._ljpeg import lossless_jpeg

__all__ = ["DICOM_INSTALL", "check_dicom_voi", "dicom_display", "dicom_image", "looks_like_dicom",
           "read_dicom_dataset", "check_dicom_dataset", "dicom_problem"]

#: What to install for DICOM input.
DICOM_INSTALL = "pip install 'skcxr[dicom]'"

# Transfer syntax UID prefix -> the pylibjpeg plugin that decodes it.
_PLUGINS = {
    "1.2.840.10008.1.2.4.5": "pylibjpeg-libjpeg",  # JPEG baseline / extended / lossless
    "1.2.840.10008.1.2.4.7": "pylibjpeg-libjpeg",  # JPEG lossless (SV1)
    "1.2.840.10008.1.2.4.8": "pylibjpeg-libjpeg",  # JPEG-LS
    "1.2.840.10008.1.2.4.9": "pylibjpeg-openjpeg",  # JPEG 2000
    "1.2.840.10008.1.2.4.20": "pylibjpeg-openjpeg",  # HTJ2K
    "1.2.840.10008.1.2.5": "pylibjpeg-rle",  # RLE (pydicom also decodes it itself)
}
_MONOCHROME = ("MONOCHROME1", "MONOCHROME2")


def _pydicom(path):
    """Import pydicom, or say which extra to install for ``path``."""
    try:
        import pydicom
    except ImportError as exc:
        raise ImportError(
            f"{path!r} is a DICOM file; reading DICOM needs pydicom and the pylibjpeg "
            f"decoders: {DICOM_INSTALL}"
        ) from exc
    return pydicom


def _pixel_functions():
    """``(apply_modality_lut, apply_voi_lut)`` of pydicom 3, or of pydicom 2.4."""
    try:
        from pydicom.pixels import apply_modality_lut, apply_voi_lut
    except ImportError:  # pydicom 2.x
        from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_voi_lut
    return apply_modality_lut, apply_voi_lut


def looks_like_dicom(head, file_size):
    """Whether the first bytes ``head`` (at least 132 of them) are DICOM.

    True for the ``DICM`` magic at offset 128 (a DICOM file with preamble), and
    for a bare dataset without preamble / file meta (as old devices write):
    its first element is a group 0x0002 or 0x0008 tag, little endian, with an
    explicit VR or an implicit length that fits in the file.
    """
    if head[128:132] == b"DICM":
        return True
    if len(head) < 8 or int.from_bytes(head[:2], "little") not in (0x0002, 0x0008):
        return False
    vr = head[4:6]
    if vr.isalpha() and vr.isupper():  # explicit VR little endian
        return True
    return int.from_bytes(head[4:8], "little") <= file_size - 8  # implicit VR


def read_dicom_dataset(path, *, pixels=True):
    """``pydicom.dcmread`` with ``force=True``; errors become ImageReadError.

    ``pixels=False`` defers every large value (pixel data is then known to be
    present but not read). A dataset without file meta gets a Transfer Syntax
    UID from the encoding it was read with.
    """
    pydicom = _pydicom(path)
    try:
        ds = pydicom.dcmread(path, force=True, defer_size=None if pixels else 1024)
    except Exception as exc:  # pydicom raises many kinds on bad bytes
        raise ImageReadError(f"cannot parse DICOM file {path!r}: {exc}") from exc
    meta = getattr(ds, "file_meta", None)
    if meta is None or "TransferSyntaxUID" not in meta:
        from pydicom.dataset import FileMetaDataset
        from pydicom.uid import (
            ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian)

        implicit, little = getattr(ds, "original_encoding", None) or (
            ds.is_implicit_VR, ds.is_little_endian)
        meta = meta if meta is not None else FileMetaDataset()
        meta.TransferSyntaxUID = (
            ImplicitVRLittleEndian if implicit else
            ExplicitVRLittleEndian if little else ExplicitVRBigEndian)
        ds.file_meta = meta
    return ds


def _decoder_missing(transfer_syntax):
    """The packages missing to decode ``transfer_syntax`` ('' when a decoder is there)."""
    try:
        from pydicom.pixels import get_decoder
    except ImportError:  # pydicom 2.x: known only when decoding fails
        return ""
    try:
        decoder = get_decoder(transfer_syntax)
    except NotImplementedError:
        return "no decoder for this transfer syntax in pydicom"
    if decoder.is_available:
        return ""
    return "; ".join(decoder.missing_dependencies) or "no decoder plugin"


def _plugin_for(transfer_syntax):
    for prefix, plugin in _PLUGINS.items():
        if str(transfer_syntax).startswith(prefix):
            return plugin
    return "a pydicom pixel data plugin"


def dicom_problem(ds, path):
    """Why ``ds`` is not one grey image skcxr can decode: ``(reason, message)`` or None.

    ``reason`` is short (for counting skipped files), ``message`` names ``path``
    and says what to do.
    """
    if "PixelData" not in ds:
        kind = ds.get("SOPClassUID")
        kind = getattr(kind, "name", kind) or ds.get("Modality") or "unknown"
        other = [k for k in ("FloatPixelData", "DoubleFloatPixelData") if k in ds]
        what = f"holds {other[0]} (not supported)" if other else "has no pixel data"
        return ("float pixel data" if other else "no pixel data",
                f"DICOM file {path!r} {what}: it is not an image (SOP class: {kind})")
    frames = int(ds.get("NumberOfFrames") or 1)
    if frames > 1:
        return (f"multi-frame ({frames} frames)",
                f"DICOM file {path!r} holds {frames} frames (multi-frame); skcxr reads one "
                "radiograph per file: write each frame you need to its own file")
    photometric = str(ds.get("PhotometricInterpretation", "")).strip().upper()
    samples = int(ds.get("SamplesPerPixel") or 1)
    if samples != 1 or photometric not in _MONOCHROME:
        return (f"colour ({photometric or 'no PhotometricInterpretation'})",
                f"DICOM file {path!r} is a colour image (PhotometricInterpretation "
                f"{photometric or 'missing'}, {samples} samples per pixel); skcxr reads "
                f"grey radiographs ({' or '.join(_MONOCHROME)}) only")
    transfer_syntax = ds.file_meta.TransferSyntaxUID
    if getattr(transfer_syntax, "is_compressed", False):
        missing = _decoder_missing(transfer_syntax)
        if missing:
            plugin = _plugin_for(transfer_syntax)
            return (f"no decoder for {transfer_syntax.name}",
                    f"DICOM file {path!r} is compressed ({transfer_syntax.name}, "
                    f"{transfer_syntax}) and no installed decoder can read it: install "
                    f"{plugin} ({DICOM_INSTALL} brings it); pydicom says: {missing}")
    return None


def check_dicom_dataset(ds, path):
    """Raise ImageReadError naming ``path`` unless ``ds`` is one grey image skcxr can read."""
    problem = dicom_problem(ds, path)
    if problem is not None:
        raise ImageReadError(problem[1])


def check_dicom_voi(voi, name="dicom_voi"):
    """Validate the ``dicom_voi`` option (see :func:`read_image`)."""
    if voi is None or (isinstance(voi, str) and voi == "auto"):
        return voi
    if isinstance(voi, Integral) and not isinstance(voi, bool) and voi >= 0:
        return int(voi)
    if (isinstance(voi, (tuple, list)) and len(voi) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in voi)
            and voi[1] > 0):
        return (float(voi[0]), float(voi[1]))
    raise ValueError(
        f"{name} must be 'auto', None, a VOI index (int >= 0) or a window "
        f"(center, width) with width > 0, got {voi!r}")


def _uses_min_max(ds, voi):
    """Whether :func:`_voi_choice` falls back to min-max (without changing ``ds``)."""
    has_voi = bool(ds.get("VOILUTSequence")) or ("WindowCenter" in ds and "WindowWidth" in ds)
    return voi is None or (voi == "auto" and not has_voi)


def _voi_choice(ds, voi, path):
    """``(index, uses_lut)`` of the VOI to apply, or None for the min-max fallback."""
    luts = len(ds.get("VOILUTSequence") or ())
    windows = 0
    if "WindowCenter" in ds and "WindowWidth" in ds:
        windows = min(ds["WindowCenter"].VM, ds["WindowWidth"].VM)
    if voi is None or (voi == "auto" and not (luts or windows)):
        return None
    if isinstance(voi, tuple):  # the user's own window replaces the file's VOI
        if "VOILUTSequence" in ds:
            del ds.VOILUTSequence
        ds.WindowCenter, ds.WindowWidth = voi
        ds.VOILUTFunction = "LINEAR_EXACT"  # center +- width / 2, exactly
        return 0, False
    index = 0 if voi == "auto" else voi
    available = luts or windows  # pydicom prefers the VOI LUT Sequence, as we do
    if index >= available:
        raise ImageReadError(
            f"dicom_voi={voi!r} but DICOM file {path!r} has {luts} VOI LUT(s) and "
            f"{windows} window(s) (its VOI LUTs come first); use an index below "
            f"{available}, 'auto' or None (min-max)" if available else
            f"dicom_voi={voi!r} but DICOM file {path!r} has no VOI LUT and no window; "
            "use 'auto' or None (min-max of the Modality LUT output)")
    return index, bool(luts)


def _voi_range(ds, index, uses_lut, apply_voi_lut):
    """The output range of the VOI transform: its image of every possible input."""
    if uses_lut:
        descriptor = ds.VOILUTSequence[index].LUTDescriptor
        entries = int(descriptor[0]) or 2 ** 16
        probe = np.arange(int(descriptor[1]), int(descriptor[1]) + entries)
    else:  # a window maps everything outside it to its two ends
        probe = np.array([-1e30, 1e30])
    out = np.asarray(apply_voi_lut(probe, ds, index=index), dtype=np.float64)
    return float(out.min()), float(out.max())


def dicom_image(path, *, voi="auto", max_pixels=None):
    """Decode the DICOM file ``path`` to a float64 ``(rows, columns)`` image in [0, 1].

    ``voi``: ``"auto"`` (the file's first VOI LUT, else its first window, else
    min-max), an index into the file's VOI LUTs / windows, a ``(center,
    width)`` window, or ``None`` (no VOI: min-max of the Modality LUT output).
    """
    ds, stored, _ = _decode_stored(path, max_pixels, None)
    return _display(ds, np.asarray(stored).ravel(), voi, path).reshape(stored.shape)


def dicom_display(path, *, voi="auto", max_pixels=None, min_size=None):
    """The DICOM file ``path`` as a ``uint8`` display image (what :func:`read_image` uses).

    The same pixels as ``np.rint(dicom_image(...) * 255)``, computed once per
    distinct stored value (a lookup table) instead of once per pixel.
    ``min_size=(width, height)``: the decoded image may be smaller than the
    file's, as long as it stays at least that large -- a JPEG 2000 file is
    then decoded at a reduced resolution level (its wavelet's low-pass image,
    2, 4, 8, ... times smaller on each side), which costs a fraction of a
    full decode.

    Returns ``(image, box)``: ``box`` is the region of ``image``, in Pillow's
    continuous pixel coordinates, that the whole film spans (``(0, 0, columns,
    rows)`` at full resolution; at a reduced level, the film's extent shifted
    by where the wavelet's samples sit, the image padded by one edge pixel so
    that the box stays inside it).
    """
    ds, stored, factor = _decode_stored(path, max_pixels, min_size)
    image = _display_uint8(ds, np.asarray(stored), voi, path)
    if factor == 1:
        return image, (0.0, 0.0, float(image.shape[1]), float(image.shape[0]))
    rows, columns = int(ds.Rows), int(ds.Columns)
    offset = 0.5 - 0.5 / factor  # full-size pixel factor * k + 0.5 is reduced k + 0.5
    box = (offset, offset, offset + columns / factor, offset + rows / factor)
    return np.pad(image, ((0, 1), (0, 1)), mode="edge"), box


def _display_uint8(ds, stored, voi, path):
    """Stored values -> uint8 display image, through a lookup table when small enough."""
    if stored.dtype.kind in "iu" and stored.size:
        high = int(stored.max())
        # unsigned values index the table directly (no shifted copy of the image)
        low = 0 if stored.dtype.kind == "u" else int(stored.min())
        if high - low <= _MAX_TABLE:
            index = stored if low == 0 else (stored - low).astype(np.intp)
            values = np.arange(low, high + 1, dtype=np.int64)
            present = None
            if _uses_min_max(ds, voi):  # min-max over the values present only
                present = np.bincount(index.ravel(), minlength=high - low + 1) > 0
            table = _to_uint8(_display(ds, values, voi, path, present))
            return table[index]
    return _to_uint8(_display(ds, stored.ravel(), voi, path)).reshape(stored.shape)


def _to_uint8(image):
    return np.rint(image * 255).astype(np.uint8)


#: Largest range of stored values mapped through a lookup table (else per pixel).
_MAX_TABLE = 1 << 20
# JPEG 2000 transfer syntaxes decoded at a reduced resolution when allowed.
_J2K_SYNTAXES = ("1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91")


def _decode_stored(path, max_pixels, min_size):
    """``(dataset, stored values, reduction factor)``: the pixel data, reduced when allowed."""
    ds = read_dicom_dataset(path)
    check_dicom_dataset(ds, path)
    rows, columns = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
    if max_pixels is not None and rows * columns > max_pixels:
        raise ImageReadError(
            f"refusing to decode {path!r}: {columns}x{rows} = {rows * columns} pixels "
            f"exceeds PIL.Image.MAX_IMAGE_PIXELS = {max_pixels} (decompression bomb?)")
    stored, factor = None, 1
    if min_size is not None and str(ds.file_meta.TransferSyntaxUID) in _J2K_SYNTAXES:
        stored, factor = reduced_j2k(ds, min_size) or (None, 1)
    if stored is None:
        stored = lossless_jpeg(ds)  # libjpeg-turbo, when imagecodecs is installed
    if stored is None:
        try:
            stored = ds.pixel_array
        except Exception as exc:  # decoder errors come in many types
            raise ImageReadError(
                f"cannot decode the pixel data of DICOM file {path!r} "
                f"({ds.file_meta.TransferSyntaxUID.name}): {exc}; for compressed files "
                f"{DICOM_INSTALL}") from exc
    if stored.ndim != 2:
        raise ImageReadError(
            f"DICOM file {path!r} decoded to an array of shape {stored.shape}; "
            "expected one grey image (rows, columns)")
    return ds, stored, factor


def _display(ds, stored, voi, path, present=None):
    """Stored values (1-D) -> display values in [0, 1], in the standard's order.

    ``present``: for a table of values, which of them occur in the image (the
    min-max fallback ranges over those only).
    """
    apply_modality_lut, apply_voi_lut = _pixel_functions()
    values = np.asarray(apply_modality_lut(stored, ds))
    choice = _voi_choice(ds, voi, path)
    if choice is None:  # documented fallback: the full range of the Modality LUT output
        seen = values if present is None else values[present]
        low, high = float(seen.min()), float(seen.max())
    else:
        index, uses_lut = choice
        if uses_lut and values.dtype.kind == "f":  # a LUT is indexed by integers
            values = np.rint(values).astype(np.int64)
        try:
            low, high = _voi_range(ds, index, uses_lut, apply_voi_lut)
            values = apply_voi_lut(values, ds, index=index)
        except (ValueError, NotImplementedError, TypeError, IndexError) as exc:
            raise ImageReadError(
                f"cannot apply the VOI of DICOM file {path!r} ({exc}); pass "
                "dicom_voi=None (min-max) or your own window (center, width)") from exc
    image = minmax_rescale(values, low, high)  # constant: black, as 16-bit PNGs
    if high > low and str(ds.PhotometricInterpretation).strip().upper() == "MONOCHROME1":
        image = 1.0 - image
    return image
