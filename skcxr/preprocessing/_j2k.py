"""JPEG 2000 pixel data of a DICOM file at a reduced resolution level.

A JPEG 2000 codestream holds its image as a wavelet pyramid: the image
``2 ** r`` times smaller on each side is the low-pass band of level ``r`` and
is decoded without touching the finer levels' code blocks (``opj_decompress
-r``). When the loader wants a 150 px image from a 1,800 px film this costs
5-10 % of a full decode. Decoded with Pillow's OpenJPEG codec; any surprise
(a signed or colour codestream, a Pillow without OpenJPEG, an unexpected
size) returns None and the caller decodes at full size with pydicom.
"""

import io

import numpy as np
from PIL import Image, ImageFile

__all__ = ["reduced_j2k", "j2k_levels"]

_SOC_SIZ = b"\xff\x4f\xff\x51"


def _first_frame(ds):
    """The first (only) frame's codestream of an encapsulated dataset."""
    try:
        from pydicom.encaps import generate_frames
    except ImportError:  # pydicom 2.x
        from pydicom.encaps import generate_pixel_data_frame as generate_frames
    return next(iter(generate_frames(ds.PixelData, number_of_frames=1)))


def j2k_levels(codestream):
    """``(width, height, precision, signed, levels)`` of a JPEG 2000 codestream, or None.

    Read from the SIZ and COD markers of the main header (ISO 15444-1 A.5.1,
    A.6.1); None for a JP2 box file or a header this reader does not expect.
    """
    if not codestream.startswith(_SOC_SIZ) or len(codestream) < 48:
        return None
    siz = codestream[4:]  # Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, ..., Csiz, Ssiz
    xsiz, ysiz, xo, yo = (int.from_bytes(siz[i:i + 4], "big") for i in (4, 8, 12, 16))
    components = int.from_bytes(siz[36:38], "big")
    ssiz = siz[38]
    if components != 1 or xo or yo:
        return None
    cod = codestream.find(b"\xff\x52", 4 + int.from_bytes(siz[0:2], "big"))
    if cod < 0 or len(codestream) < cod + 10:
        return None
    return xsiz, ysiz, (ssiz & 0x7F) + 1, bool(ssiz & 0x80), codestream[cod + 9]


def reduced_j2k(ds, min_size):
    """Stored values of ``ds`` (JPEG 2000) at the coarsest level still >= ``min_size``.

    ``min_size=(width, height)``. Returns ``(stored, factor)`` (``factor = 2 **
    r``: sample ``k`` of the result sits on pixel ``factor * k`` of the full
    image, the wavelet's even samples, not at the centre of a ``factor``-wide
    block), or None when no reduction applies (the target needs full
    resolution) or when anything is unusual.
    """
    try:
        codestream = bytes(_first_frame(ds))
    except Exception:  # odd encapsulation: let pydicom decide
        return None
    info = j2k_levels(codestream)
    if info is None:
        return None
    width, height, precision, signed, levels = info
    if signed or precision > 16 or int(ds.get("PixelRepresentation") or 0):
        return None
    r = 0
    while r < levels and (-(-width // (2 << r)) >= min_size[0]
                          and -(-height // (2 << r)) >= min_size[1]):
        r += 1
    if r == 0:
        return None
    size = (-(-width // (1 << r)), -(-height // (1 << r)))
    try:
        im = Image.open(io.BytesIO(codestream), formats=["JPEG2000"])
        if im.size != (width, height) or im.mode not in ("L", "I;16"):
            return None
        # Pillow's own ``im.reduce = r`` rounds the reduced size to nearest
        # where OpenJPEG rounds up (1841 px at r=2: 460 against 461, "broken
        # data stream"), so the tile is set to OpenJPEG's size here.
        tile = im.tile[0]
        codec, _, layers, fd, length = tile.args
        im._size = size
        im.tile = [ImageFile._Tile(tile.codec_name, (0, 0, *size), tile.offset,
                                   (codec, r, layers, fd, length))]
        ImageFile.ImageFile.load(im)
        stored = np.asarray(im)
    except Exception:  # no OpenJPEG in Pillow, a codestream it refuses, ...
        return None
    if stored.shape != (size[1], size[0]) or (im.mode == "L" and precision != 8):
        return None
    if im.mode == "I;16" and precision < 16:  # Pillow scales samples up to 16 bits
        stored = stored >> np.uint16(16 - precision)
    return stored, 1 << r
