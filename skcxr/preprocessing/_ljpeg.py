"""JPEG lossless pixel data of a DICOM file decoded by libjpeg-turbo (imagecodecs).

pydicom hands lossless JPEG (process 14, the transfer syntaxes ``...4.57`` and
``...4.70``: most CR and DX films from a PACS) to pylibjpeg-libjpeg, the JPEG
reference library, which holds the GIL and decodes a 3 Mpx film in ~90 ms.
libjpeg-turbo 3, through ``imagecodecs.jpeg8_decode``, decodes the same
codestream to the same values in ~16-20 ms and releases the GIL, so the
loader's threads help. Lossless JPEG has no reduced-resolution mode (each
sample is predicted from its neighbours): the whole film is decoded.

Optional: without imagecodecs (``pip install 'skcxr[dicom]'`` brings it), or
for anything unusual (several frames or samples, signed values, a codestream
libjpeg-turbo refuses, an unexpected shape), :func:`lossless_jpeg` returns None
and the caller decodes with pydicom as before.
"""

__all__ = ["LOSSLESS_JPEG_SYNTAXES", "lossless_jpeg"]

#: JPEG lossless, non-hierarchical (process 14), and its selection value 1.
LOSSLESS_JPEG_SYNTAXES = ("1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70")


def lossless_jpeg(ds):
    """Stored values of ``ds`` (JPEG lossless) decoded by libjpeg-turbo, or None."""
    if str(ds.file_meta.TransferSyntaxUID) not in LOSSLESS_JPEG_SYNTAXES:
        return None
    if (int(ds.get("NumberOfFrames") or 1) != 1 or int(ds.get("SamplesPerPixel") or 1) != 1
            or int(ds.get("PixelRepresentation") or 0)):
        return None
    try:
        import imagecodecs

        from ._j2k import _first_frame

        stored = imagecodecs.jpeg8_decode(bytes(_first_frame(ds)))
    except Exception:  # no imagecodecs, or a codestream it refuses: pydicom decides
        return None
    if stored.shape != (int(ds.Rows), int(ds.Columns)):
        return None
    bits = int(ds.get("BitsStored") or 16)
    if stored.dtype.itemsize * 8 > bits and stored.size and int(stored.max()) >> bits:
        return None  # values beyond BitsStored: leave the masking rules to pydicom
    return stored
