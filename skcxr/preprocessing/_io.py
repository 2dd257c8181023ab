"""Reading one image file into a uint8 array: the only decoder in skcxr.

Everything that turns image bytes into pixels goes through :func:`read_image`,
so every part of the package sees the same pixels for the same file.
"""

import os
from numbers import Integral

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from ..utils._images import minmax_rescale
from ..utils._workers import on_worker_hint
from ._dicom_io import check_dicom_voi, dicom_display, looks_like_dicom
from ._errors import ImageReadError
from ._png16 import png_rawmode, wide_colour

__all__ = ["read_image", "ImageReadError", "COLOR_MODES", "RESIZE_MODES"]

COLOR_MODES = ("grayscale", "rgb")
RESIZE_MODES = ("stretch", "crop", "pad")
_RESAMPLE = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX,
    "hamming": Image.Resampling.HAMMING,
}
# Modes holding more than 8 bits per sample: rescaled by their own min..max.
_WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
# Modes with an alpha channel: composited on black.
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
# Orientations (EXIF tag 274) that swap width and height.
_TRANSPOSED = (5, 6, 7, 8)
# Formats whose extra frames are not other pictures (MPO: previews of one photo).
_SINGLE_PICTURE_FORMATS = ("MPO",)
# Errors Pillow raises on bytes it cannot decode (truncated / corrupt data).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


def check_size(size, name="size"):
    """Validate ``size`` as ``(height, width)`` of two positive ints; return a tuple."""
    if (
        isinstance(size, (str, bytes))
        or not hasattr(size, "__len__")
        or len(size) != 2
        or not all(isinstance(v, Integral) and not isinstance(v, bool) for v in size)
        or not all(v > 0 for v in size)
    ):
        raise ValueError(
            f"{name} must be (height, width): two positive integers, got {size!r}"
        )
    return int(size[0]), int(size[1])


def check_choice(value, choices, name):
    """Raise a ValueError naming ``name`` when ``value`` is not one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def _check_file(path):
    """Return ``path`` as str after checking it names a non-empty regular file."""
    try:
        path_str = os.fspath(path)
    except TypeError:
        raise TypeError(
            f"image path must be a str or os.PathLike, got {type(path).__name__}: {path!r}"
        ) from None
    if isinstance(path_str, bytes):
        path_str = os.fsdecode(path_str)
    if not os.path.exists(path_str):
        raise FileNotFoundError(f"image file not found: {path_str!r}{on_worker_hint()}")
    if os.path.isdir(path_str):
        raise IsADirectoryError(f"image path is a directory, not a file: {path_str!r}")
    if os.path.getsize(path_str) == 0:
        raise ImageReadError(f"image file is empty (0 bytes): {path_str!r}")
    return path_str


def _draft_request(width, height, target_wh, resize):
    """Smallest decoded (width, height) that still downsamples to the target."""
    tw, th = target_wh
    if resize == "pad":
        factor = min(tw / width, th / height)
        return max(1, int(width * factor)), max(1, int(height * factor))
    # stretch and crop: the source box covers >= target in both directions
    # whenever the decoded image does.
    return tw, th


def _source_box(width, height, target_wh, resize):
    """Region of the (oriented, full-size) image that maps onto the output."""
    if resize != "crop":
        return (0.0, 0.0, float(width), float(height))
    tw, th = target_wh
    aspect = tw / th
    if width / height > aspect:  # too wide: trim left and right
        cw = height * aspect
        x0 = (width - cw) / 2
        return (x0, 0.0, x0 + cw, float(height))
    ch = width / aspect  # too tall: trim top and bottom
    y0 = (height - ch) / 2
    return (0.0, y0, float(width), y0 + ch)


def _rescale_wide(im):
    """Map a 16/32-bit or float image onto 0..255 by its real min..max range."""
    return Image.fromarray(minmax_rescale(im, to_uint8=True), mode="L")


def _to_target_mode(im, target):
    """Convert any Pillow mode to ``"L"`` or ``"RGB"`` (alpha composited on black)."""
    if im.mode in _WIDE_MODES:
        im = _rescale_wide(im)
    elif im.mode in _ALPHA_MODES or (im.mode == "P" and "transparency" in im.info):
        rgba = im if im.mode == "RGBA" else im.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] == 255:  # fully opaque: same result, 10x cheaper
            im = rgba.convert("RGB")
        else:
            black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
            im = Image.alpha_composite(black, rgba).convert("RGB")
    if im.mode == target:
        return im
    if im.mode not in ("L", "RGB", "P", "1"):  # CMYK, YCbCr, LAB, HSV, ...
        im = im.convert("RGB")
    return im if im.mode == target else im.convert(target)


def read_image(
    path,
    *,
    color_mode="grayscale",
    size=None,
    resize="stretch",
    resample="bicubic",
    draft=True,
    reducing_gap=3.0,
    dicom_voi="auto",
):
    """Decode one image file into a ``uint8`` array.

    The format is taken from the file's content, never its extension (a
    ``.jpg`` holding PNG bytes is read as PNG; a DICOM file is recognised by
    its ``DICM`` magic at offset 128, or as a bare dataset without preamble).
    DICOM files are read with pydicom (``pip install 'skcxr[dicom]'``) in the
    standard's order: Modality LUT, VOI LUT or window, ``MONOCHROME1``
    inversion, then scaled onto 0..255 (see :ref:`dicom`). Colour handling:

    * ``L``, ``1``, ``P`` (palette), ``RGB``, ``CMYK``, ``YCbCr``: converted with
      Pillow (``grayscale`` uses ITU-R 601-2 luma, ``L = 0.299 R + 0.587 G +
      0.114 B``).
    * ``RGBA``, ``LA``, ``PA`` and palettes with transparency: composited on
      black (transparent pixels become black, as on a light box; the colour
      stored under a fully transparent pixel never leaks into the output).
    * 16-bit (``I;16``), 32-bit (``I``) and float (``F``) images: linearly
      mapped from the image's own minimum..maximum onto 0..255 (never
      clipped at 255; a constant image becomes all zeros). 16-bit RGB(A) PNGs
      are read with all 16 bits (Pillow alone keeps the top 8, which leaves
      12-bit data nearly black) and mapped the same way, the three channels
      together; a 16-bit grey + alpha PNG raises :class:`ImageReadError`.
    * A file holding several pictures (multi-frame TIFF, animated GIF / PNG)
      raises :class:`ImageReadError` naming the frame count instead of
      silently keeping the first (MPO JPEGs, one photo and its previews,
      give their primary picture).
    * An EXIF orientation tag is applied. ICC profiles are ignored.

    Parameters
    ----------
    path : str or os.PathLike
        The image file.
    color_mode : {"grayscale", "rgb"}, default="grayscale"
        Output ``(h, w)`` for grayscale or ``(h, w, 3)`` for rgb.
    size : (int, int) or None, default=None
        Output ``(height, width)``; ``None`` keeps the image's own size.
    resize : {"stretch", "crop", "pad"}, default="stretch"
        How to reach ``size``: ``"stretch"`` resizes the whole image (aspect
        ratio not kept); ``"crop"`` cuts the largest centred region with the
        target's aspect ratio (a centre square for a square ``size``) and
        resizes it; ``"pad"`` resizes the whole image to fit inside ``size``
        and pads the rest with black, centred.
    resample : {"bicubic", "bilinear", "lanczos", "box", "hamming", "nearest"}, \
default="bicubic"
        Pillow resampling filter (antialiased when downsampling).
    draft : bool, default=True
        Let the JPEG decoder downscale by 2, 4 or 8 in the DCT domain (and
        decode luma only for grayscale) when the file is at least that much
        larger than ``size``, and decode a JPEG 2000 DICOM file at the
        coarsest resolution level of its wavelet pyramid that is still at
        least ``size`` (2, 4, 8, ... times smaller on each side: 5-10x faster
        for 150 px from a 1,800 px film). Much faster; the final resize still
        uses ``resample``.
    reducing_gap : float or None, default=3.0
        Passed to :meth:`PIL.Image.Image.resize`: shrink by an integer factor
        with box averaging first while the remaining scale stays above this
        gap. ``None`` resizes in one full-quality step.
    dicom_voi : "auto", int, (float, float) or None, default="auto"
        DICOM only: the VOI transform. ``"auto"``: the file's first VOI LUT,
        else its first window (``WindowCenter`` / ``WindowWidth``), else the
        minimum..maximum of the Modality LUT output. An int selects another
        of the file's VOI LUTs (or windows); ``(center, width)`` is your own
        window (``center - width / 2`` black .. ``center + width / 2`` white,
        on the Modality LUT output); ``None`` skips the VOI (minimum..maximum).

    Returns
    -------
    image : ndarray of uint8, shape (h, w) or (h, w, 3)
        The decoded image.

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        The path does not name a file.
    ImageReadError
        Empty, truncated, corrupt or non-image file, one whose pixel count
        exceeds ``PIL.Image.MAX_IMAGE_PIXELS`` (decompression bomb), a
        multi-frame file, or a DICOM file with no pixel data, several frames,
        colour pixels or a compression no installed decoder reads.
    ImportError
        A DICOM file while pydicom is not installed (the message says
        ``pip install 'skcxr[dicom]'``).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> from skcxr.preprocessing import read_image
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> Image.fromarray(np.full((40, 60), 200, dtype=np.uint8)).save(path)
    >>> read_image(path).shape
    (40, 60)
    >>> img = read_image(path, color_mode="rgb", size=(16, 16), resize="crop")
    >>> img.shape, img.dtype, int(img.max())
    ((16, 16, 3), dtype('uint8'), 200)
    """
    check_choice(color_mode, COLOR_MODES, "color_mode")
    check_choice(resize, RESIZE_MODES, "resize")
    check_choice(resample, tuple(_RESAMPLE), "resample")
    if size is not None:
        size = check_size(size)
    dicom_voi = check_dicom_voi(dicom_voi)
    path_str = _check_file(path)
    target_mode = "L" if color_mode == "grayscale" else "RGB"
    with open(path_str, "rb") as f:
        head = f.read(132)
    if head[128:132] == b"DICM":
        return _read_dicom(path_str, dicom_voi, target_mode, size, resize, resample, reducing_gap,
                           draft)
    try:
        with Image.open(path_str) as im:
            return _decode(im, path_str, target_mode, size, resize, resample, draft, reducing_gap)
    except Image.DecompressionBombError as exc:
        raise ImageReadError(f"refusing to decode {path_str!r}: {exc}") from exc
    except UnidentifiedImageError as exc:
        if not looks_like_dicom(head, os.path.getsize(path_str)):
            raise ImageReadError(
                f"not an image file Pillow can read, nor DICOM: {path_str!r}"
            ) from exc
    except ImageReadError:
        raise
    except _DECODE_ERRORS as exc:
        raise ImageReadError(
            f"cannot decode {path_str!r} (truncated or corrupt image): {exc}"
        ) from exc
    # a bare DICOM dataset (no preamble, no file meta), as old devices write
    return _read_dicom(path_str, dicom_voi, target_mode, size, resize, resample, reducing_gap,
                       draft)


def _read_dicom(path_str, voi, target_mode, size, resize, resample, reducing_gap, draft):
    min_size = None
    if draft and size is not None:  # JPEG 2000: decode a reduced resolution level
        min_size = (size[1], size[0])
    image, box = dicom_display(path_str, voi=voi, max_pixels=Image.MAX_IMAGE_PIXELS,
                               min_size=min_size)
    im = _to_target_mode(Image.fromarray(image), target_mode)
    if size is not None:
        im = _resize(im, box[2] - box[0], box[3] - box[1], (size[1], size[0]), resize,
                     resample, reducing_gap, origin=box[:2])
    return np.asarray(im, dtype=np.uint8)


def _decode(im, path_str, target_mode, size, resize, resample, draft, reducing_gap):
    limit = Image.MAX_IMAGE_PIXELS
    width, height = im.size
    if limit is not None and width * height > limit:
        raise ImageReadError(
            f"refusing to decode {path_str!r}: {width}x{height} = {width * height} "
            f"pixels exceeds PIL.Image.MAX_IMAGE_PIXELS = {limit} (decompression bomb?)"
        )
    rawmode = png_rawmode(im)  # before getexif(), which loads a PNG
    frames = getattr(im, "n_frames", 1)
    if frames > 1 and im.format not in _SINGLE_PICTURE_FORMATS:
        raise ImageReadError(
            f"{path_str!r} holds {frames} frames ({im.format}); skcxr reads one picture "
            "per file and does not silently keep the first: save each frame you need "
            "as its own file (PIL.Image.open(path).seek(i))"
        )
    orientation = im.getexif().get(ExifTags.Base.Orientation, 1)
    if orientation not in range(2, 9):
        orientation = 1
    if orientation in _TRANSPOSED:
        width, height = height, width
    target_wh = None if size is None else (size[1], size[0])

    scale = 1.0
    if draft and target_wh is not None and im.format == "JPEG":
        req_w, req_h = _draft_request(width, height, target_wh, resize)
        if orientation in _TRANSPOSED:
            req_w, req_h = req_h, req_w
        draft_mode = "L" if (target_mode == "L" and im.mode == "RGB") else None
        raw_width = im.size[0]
        result = im.draft(draft_mode, (req_w, req_h))
        if result is not None:  # box = (0, 0, raw_width / scale, raw_height / scale)
            scale = raw_width / result[1][2]
    wide = wide_colour(im, rawmode, path_str, orientation)
    if wide is not None:
        im = wide
    else:
        im.load()
        if orientation != 1:
            im = ImageOps.exif_transpose(im)
    im = _to_target_mode(im, target_mode)
    if target_wh is not None:
        im = _resize(im, width / scale, height / scale, target_wh, resize, resample, reducing_gap)
    return np.asarray(im, dtype=np.uint8)


def _resize(im, width, height, target_wh, resize, resample, reducing_gap, origin=(0.0, 0.0)):
    """Resize ``im`` whose content spans ``(x0, y0, x0 + width, y0 + height)`` to the target.

    ``origin=(x0, y0)``.
    """
    method = _RESAMPLE[resample]
    x0, y0 = origin
    if resize == "pad":
        factor = min(target_wh[0] / width, target_wh[1] / height)
        fit = (
            min(target_wh[0], max(1, round(width * factor))),
            min(target_wh[1], max(1, round(height * factor))),
        )
        inner = im.resize(fit, method, box=(x0, y0, x0 + width, y0 + height),
                          reducing_gap=reducing_gap)
        canvas = Image.new(im.mode, target_wh, 0)
        canvas.paste(inner, ((target_wh[0] - fit[0]) // 2, (target_wh[1] - fit[1]) // 2))
        return canvas
    box = _source_box(width, height, target_wh, resize)
    box = (box[0] + x0, box[1] + y0, box[2] + x0, box[3] + y0)
    return im.resize(target_wh, method, box=box, reducing_gap=reducing_gap)
