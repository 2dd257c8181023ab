"""16-bit colour PNGs with all 16 bits, for :func:`read_image`.

Pillow decodes 16-bit RGB(A) PNGs to 8 bits by keeping the high byte of every
sample, which leaves 12-bit data in 0..15: a nearly black picture of 16 grey
levels. Pillow's own decoder, run a second time with the little-endian raw
mode, yields the low bytes; together they are the exact samples.
"""

import numpy as np
from PIL import Image, ImageOps

from ..utils._images import minmax_rescale
from ._errors import ImageReadError

__all__ = ["png_rawmode", "wide_colour"]

# raw mode Pillow uses -> the raw mode that reads the low byte of the same samples
_LOW_BYTE_RAWMODES = {"RGB;16B": "RGB;16L", "RGBA;16B": "RGBA;16L"}


def png_rawmode(im):
    """The raw mode of a PNG not loaded yet (None for other formats)."""
    if im.format != "PNG" or len(im.tile) != 1:
        return None
    args = im.tile[0][3]
    return args if isinstance(args, str) else args[0]


def wide_colour(im, rawmode, path_str, orientation):
    """A 16-bit colour PNG as 8-bit RGB scaled by its own min..max; None for others.

    ``im`` is the opened, not yet loaded file and ``rawmode`` its
    :func:`png_rawmode`; alpha is composited on black, ``orientation`` (EXIF)
    applied. A 16-bit grey + alpha PNG raises: Pillow has no low-byte raw mode
    for it.
    """
    if rawmode == "LA;16B":  # no low-byte unpacker in Pillow for grey + alpha
        raise ImageReadError(
            f"{path_str!r} is a 16-bit grey + alpha PNG: Pillow reads only the top 8 "
            "bits of each sample, which loses the range of 10-12 bit data; save it "
            "as 16-bit grey without alpha (or as 8-bit)")
    if rawmode not in _LOW_BYTE_RAWMODES:
        return None
    with Image.open(path_str) as low:
        low.tile = [low.tile[0][:3] + (_LOW_BYTE_RAWMODES[rawmode],)]
        low.load()
        if orientation != 1:
            low = ImageOps.exif_transpose(low)
        low = np.asarray(low, dtype=np.uint16)
    im.load()
    if orientation != 1:
        im = ImageOps.exif_transpose(im)
    samples = (np.asarray(im, dtype=np.uint16) << 8 | low).astype(np.float32)
    if samples.shape[-1] == 4:  # composited on black, as 8-bit alpha is
        samples = samples[..., :3] * (samples[..., 3:] / np.float32(65535))
    return Image.fromarray(minmax_rescale(samples, to_uint8=True))
