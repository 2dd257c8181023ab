"""Tests for skcxr.preprocessing.read_image: every image kind, every bad input."""

import io
import re
import warnings

import numpy as np
import pytest
from PIL import Image

from _preprocessing_files import HEIGHT, HIGH, LOW, WIDTH, base_pattern, write_image_kinds
from skcxr.preprocessing import ImageReadError, read_image

KINDS = [
    "L_png", "RGB_png", "L_jpeg", "RGB_jpeg", "CMYK_jpeg", "PNG_in_jpg", "P_png",
    "I16_png", "RGBA_png", "LA_png",
]  # all show base_pattern() everywhere


@pytest.fixture(scope="module")
def kinds(tmp_path_factory):
    return write_image_kinds(tmp_path_factory.mktemp("kinds"))


@pytest.mark.parametrize("kind", KINDS)
def test_native_size_matches_pattern(kinds, kind):
    gray = read_image(kinds[kind])
    assert gray.shape == (HEIGHT, WIDTH) and gray.dtype == np.uint8
    expected = base_pattern().astype(float)
    if kind == "I16_png":  # rescaled by its own min..max onto 0..255
        expected = (expected - LOW) * 255 / (HIGH - LOW)
    tol = 3 if "jpeg" in kind or kind == "P_png" else 1
    assert np.abs(gray - expected).mean() < tol
    rgb = read_image(kinds[kind], color_mode="rgb")
    assert rgb.shape == (HEIGHT, WIDTH, 3) and rgb.dtype == np.uint8
    # gray content: the three channels agree, and luma equals them
    assert np.abs(rgb.astype(int) - gray[..., None]).max() <= 3


@pytest.mark.parametrize("kind", KINDS + ["RGBA_half_transparent_png", "1_png"])
@pytest.mark.parametrize("color_mode, channels", [("grayscale", ()), ("rgb", (3,))])
@pytest.mark.parametrize("resize", ["stretch", "crop", "pad"])
@pytest.mark.parametrize("size", [(20, 20), (30, 12)])
def test_every_kind_every_mode_shape_dtype_range(kinds, kind, color_mode, channels, resize, size):
    img = read_image(kinds[kind], color_mode=color_mode, size=size, resize=resize)
    assert img.shape == size + channels
    assert img.dtype == np.uint8
    assert img.max() > 100  # content survived (not an all-black frame)


def test_sixteen_bit_uses_real_range_not_clipping(kinds):
    with Image.open(kinds["I16_png"]) as im:
        assert im.mode.startswith("I") and np.asarray(im).max() > 30000
    img = read_image(kinds["I16_png"])
    assert img.min() == 0 and img.max() == 255
    # the ramp stays a ramp: strictly increasing columns, no saturated plateau
    row = img[0].astype(int)
    assert (np.diff(row) > 0).all()


def test_png_bytes_in_jpg_decoded_by_content(kinds):
    assert kinds["PNG_in_jpg"].suffix == ".jpg"
    np.testing.assert_array_equal(read_image(kinds["PNG_in_jpg"]), read_image(kinds["L_png"]))


def test_cmyk_jpeg_matches_rgb(kinds):
    with Image.open(kinds["CMYK_jpeg"]) as im:
        assert im.mode == "CMYK"
    cmyk = read_image(kinds["CMYK_jpeg"], color_mode="rgb").astype(int)
    assert np.abs(cmyk - read_image(kinds["RGB_png"], color_mode="rgb")).mean() < 3


def test_alpha_composited_on_black(kinds):
    img = read_image(kinds["RGBA_half_transparent_png"])
    left, right = img[:, : WIDTH // 2 - 1], img[:, WIDTH // 2 + 1 :]
    assert left.max() == 0  # white colour under alpha 0 does not leak
    np.testing.assert_array_equal(right, base_pattern()[:, WIDTH // 2 + 1 :])


def test_palette_with_transparency(tmp_path):
    im = Image.fromarray(base_pattern()).convert("P")
    im.info["transparency"] = int(np.asarray(im)[0, 0])  # the first colour becomes transparent
    im.save(tmp_path / "pt.png", transparency=im.info["transparency"])
    img = read_image(tmp_path / "pt.png")
    assert img[0, 0] == 0 and img[:, -1].min() > 150


def test_exif_orientation_applied(tmp_path):
    im = Image.fromarray(base_pattern())
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: viewer turns it upright
    im.save(tmp_path / "o.jpg", exif=exif, quality=95)
    img = read_image(tmp_path / "o.jpg")
    assert img.shape == (WIDTH, HEIGHT)
    assert read_image(tmp_path / "o.jpg", size=(40, 20), resize="stretch").shape == (40, 20)


def test_resize_modes_geometry(tmp_path):
    # wide image: black left/right edges, white band a bit wider than the centre square
    wide = np.zeros((100, 200), np.uint8)
    wide[:, 40:160] = 255
    Image.fromarray(wide).save(tmp_path / "wide.png")
    crop = read_image(tmp_path / "wide.png", size=(20, 20), resize="crop")
    assert crop.min() == 255  # the centre square is all white
    pad = read_image(tmp_path / "wide.png", size=(20, 20), resize="pad")
    assert pad[:5].max() == 0 and pad[-5:].max() == 0  # black bars above and below
    assert pad[10, 10] == 255 and pad[10, 0] == 0
    stretch = read_image(tmp_path / "wide.png", size=(20, 20), resize="stretch")
    assert stretch[:, 0].max() < 10 and stretch[:, 10].min() > 245
    assert stretch.mean() < crop.mean()


def test_jpeg_draft_close_to_full_quality(tmp_path):
    yy, xx = np.mgrid[0:900, 0:1200]
    smooth = (127 + 100 * np.sin(xx / 90) * np.cos(yy / 70)).astype(np.uint8)
    Image.fromarray(np.dstack([smooth] * 3)).save(tmp_path / "big.jpg", quality=90)
    fast = read_image(tmp_path / "big.jpg", size=(150, 150)).astype(float)
    full = read_image(tmp_path / "big.jpg", size=(150, 150), draft=False, reducing_gap=None)
    assert np.abs(fast - full).mean() < 1.0  # < 1 gray level of 255
    for resize in ("crop", "pad"):
        a = read_image(tmp_path / "big.jpg", size=(150, 100), resize=resize).astype(float)
        b = read_image(tmp_path / "big.jpg", size=(150, 100), resize=resize, draft=False)
        assert np.abs(a - b).mean() < 1.5


def test_deterministic(kinds):
    a = read_image(kinds["RGB_jpeg"], size=(17, 23))
    np.testing.assert_array_equal(a, read_image(kinds["RGB_jpeg"], size=(17, 23)))


# ---------------------------------------------------------------- bad input
def test_missing_file(tmp_path):
    path = tmp_path / "nope.png"
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        read_image(path)


def test_directory(tmp_path):
    with pytest.raises(IsADirectoryError, match=re.escape(str(tmp_path))):
        read_image(tmp_path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ImageReadError, match=r"empty.*" + re.escape(str(path))):
        read_image(path)


def test_non_image_file(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("patient 12, PA view\n" * 20)
    with pytest.raises(ImageReadError, match=r"not an image.*" + re.escape(str(path))):
        read_image(path)


@pytest.mark.parametrize("fmt, name", [("JPEG", "cut.jpg"), ("PNG", "cut.png")])
def test_truncated_image(tmp_path, fmt, name):
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (200, 200), dtype=np.uint8)).save(buf, format=fmt)
    path = tmp_path / name
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(ImageReadError, match=r"truncated or corrupt.*") as info:
        read_image(path, size=(32, 32))
    assert str(path) in str(info.value)


def _png_header_claiming(width, height):
    """A tiny PNG whose IHDR claims a huge size (a decompression bomb's header)."""
    buf = io.BytesIO()
    Image.new("L", (1, 1)).save(buf, format="PNG")
    data = bytearray(buf.getvalue())
    import struct
    import zlib

    data[16:24] = struct.pack(">II", width, height)  # IHDR width, height
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))  # IHDR CRC
    return bytes(data)


def test_decompression_bomb_header(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_claiming(100_000, 100_000))  # 1e10 pixels
    with pytest.raises(ImageReadError, match=r"refusing to decode.*bomb\.png"):
        read_image(path)


def test_decompression_bomb_warning_range_becomes_error(tmp_path, monkeypatch, kinds):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", HEIGHT * WIDTH - 1)  # warning range
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(ImageReadError, match=r"MAX_IMAGE_PIXELS.*") as info:
            read_image(kinds["L_png"])
    assert str(kinds["L_png"]) in str(info.value)


@pytest.mark.parametrize("bad", ["grey", "RGB", None, 3])
def test_unknown_color_mode(kinds, bad):
    with pytest.raises(ValueError, match=r"color_mode"):
        read_image(kinds["L_png"], color_mode=bad)


@pytest.mark.parametrize("bad", [150, (150,), (0, 10), (10, -1), (1.5, 2), "150x150", (True, 3), (1, 2, 3)])
def test_bad_size(kinds, bad):
    with pytest.raises(ValueError, match=r"size must be \(height, width\)"):
        read_image(kinds["L_png"], size=bad)


def test_bad_resize_and_resample(kinds):
    with pytest.raises(ValueError, match=r"resize must be one of"):
        read_image(kinds["L_png"], size=(8, 8), resize="squash")
    with pytest.raises(ValueError, match=r"resample must be one of"):
        read_image(kinds["L_png"], size=(8, 8), resample="cubic-ish")


def test_bad_path_type():
    with pytest.raises(TypeError, match=r"str or os.PathLike.*int"):
        read_image(123)


# ------------------------------------------- issue 11, item 7: frames and 16-bit colour
def _write_png16(path, samples, filter_type=1):
    """A 16-bit PNG (grey, grey+alpha, RGB or RGBA by channel count), written by hand.

    Pillow cannot write 16-bit colour PNGs. Rows use the Sub filter by default
    (each byte minus the byte one pixel to the left), so a reader that
    unfilters with the wrong pixel size gets different values.
    """
    import struct
    import zlib

    samples = np.asarray(samples, dtype=np.uint16)
    if samples.ndim == 2:
        samples = samples[..., None]
    height, width, channels = samples.shape
    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    rows = np.ascontiguousarray(samples.astype(">u2")).view(np.uint8).reshape(height, -1)
    bpp = channels * 2
    if filter_type == 1:
        filtered = rows.copy()
        filtered[:, bpp:] = rows[:, bpp:] - rows[:, :-bpp]  # uint8 wraps modulo 256
    else:
        filtered = rows
    raw = b"".join(bytes([filter_type]) + row.tobytes() for row in filtered)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("filter_type", [0, 1])
def test_sixteen_bit_rgb_png_holding_12_bit_data_keeps_its_range(tmp_path, channels, filter_type):
    # a grey 12-bit ramp (0..4095) stored as 16-bit RGB(A): Pillow alone
    # keeps the high byte, 0..15, i.e. a nearly black image of 16 levels
    ramp = np.tile(np.linspace(0, 4095, 64).round(), (8, 1)).astype(np.uint16)
    samples = np.stack([ramp] * 3 + ([np.full_like(ramp, 65535)] if channels == 4 else []), -1)
    path = _write_png16(tmp_path / "rgb12.png", samples, filter_type)
    with Image.open(path) as im:
        assert np.asarray(im)[..., :3].max() <= 15  # what Pillow gives by itself
    img = read_image(path)
    expected = np.rint(ramp / 4095 * 255)
    np.testing.assert_array_equal(img, expected)  # exact 16-bit samples, min..max scaled
    assert len(np.unique(img)) == 64
    np.testing.assert_array_equal(read_image(path, color_mode="rgb")[..., 1], expected)


def test_sixteen_bit_rgba_png_composited_on_black(tmp_path):
    value = np.full((4, 8), 4000, dtype=np.uint16)
    alpha = np.zeros((4, 8), dtype=np.uint16)
    alpha[:, 4:] = 65535
    samples = np.stack([value, value, value, alpha], -1)
    samples[0, 0, :3] = 0  # a black pixel: the range is 0..4000
    img = read_image(_write_png16(tmp_path / "rgba.png", samples))
    assert (img[:, :4] == 0).all() and (img[:, 4:] == 255).all()


def test_sixteen_bit_grey_alpha_png_raises_naming_the_file(tmp_path):
    path = _write_png16(tmp_path / "la16.png", np.zeros((4, 4, 2), dtype=np.uint16) + 1000)
    with pytest.raises(ImageReadError, match=r"la16\.png.*16-bit grey \+ alpha"):
        read_image(path)


@pytest.mark.parametrize("fmt, name", [("TIFF", "stack.tif"), ("GIF", "anim.gif"),
                                       ("PNG", "anim.png")])
def test_multi_frame_file_raises_with_the_frame_count(tmp_path, fmt, name):
    frames = [Image.fromarray(np.full((16, 16), 60 * k, dtype=np.uint8)) for k in range(3)]
    path = tmp_path / name
    frames[0].save(path, format=fmt, save_all=True, append_images=frames[1:])
    with Image.open(path) as im:
        assert im.n_frames == 3
    with pytest.raises(ImageReadError, match=rf"{re.escape(name)}.*holds 3 frames \({fmt}\)"):
        read_image(path)


def test_single_frame_tiff_and_gif_still_read(tmp_path):
    for name in ("one.tif", "one.gif"):
        Image.fromarray(np.full((16, 16), 120, dtype=np.uint8)).save(tmp_path / name)
        assert read_image(tmp_path / name).max() == 120


# --------------------------- issue 11, item 5: one decoder for the duplicate check
def _sixteen_bit_picture(seed, size=48):
    """A distinct smooth 16-bit picture: every value above 255 (Pillow's 'L' clips it)."""
    from scipy import ndimage

    field = ndimage.gaussian_filter(np.random.RandomState(seed).standard_normal((size, size)), 4)
    field = (field - field.min()) / np.ptp(field)
    return Image.fromarray((1000 + field * 3000).astype(np.uint16))


def test_distinct_16_bit_pictures_of_two_patients_stay_two_rows_and_two_patients(tmp_path):
    import pandas as pd

    from skcxr.datasets import find_duplicate_images, make_covid_dataset

    (tmp_path / "images").mkdir()
    for seed, name in enumerate(["a16.png", "b16.png"]):
        _sixteen_bit_picture(seed).save(tmp_path / "images" / name)
    with Image.open(tmp_path / "images" / "a16.png") as im:
        assert im.mode.startswith("I")
    pd.DataFrame({
        "patientid": ["1", "2"], "offset": 0, "sex": "F", "age": 40,
        "finding": ["COVID-19", "Pneumonia"], "view": "PA", "modality": "X-ray",
        "folder": "images", "filename": ["a16.png", "b16.png"],
    }).to_csv(tmp_path / "metadata.csv", index=False)
    paths = [tmp_path / "images" / "a16.png", tmp_path / "images" / "b16.png"]
    assert find_duplicate_images(paths).empty  # before: both white, correlation 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DuplicateImageWarning either
        table = make_covid_dataset(tmp_path, balance=False)
    assert len(table) == 2
    assert table["patientid"].nunique() == 2
    # and a copy of one of them is still found
    _sixteen_bit_picture(0).save(tmp_path / "a16_copy.png")
    pairs = find_duplicate_images(paths + [tmp_path / "a16_copy.png"])
    assert pairs[["first", "second"]].values.tolist() == [[0, 2]]


def test_duplicate_check_names_an_unreadable_file(tmp_path):
    from skcxr.datasets import find_duplicate_images

    Image.fromarray(np.zeros((8, 8), dtype=np.uint8)).save(tmp_path / "ok.png")
    (tmp_path / "bad.png").write_text("not a picture")
    with pytest.raises(ImageReadError, match=r"bad\.png"):
        find_duplicate_images([tmp_path / "ok.png", tmp_path / "bad.png"])
