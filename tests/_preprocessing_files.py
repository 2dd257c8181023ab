"""Test helpers for the preprocessing tests: image files of every kind, real frontal paths."""

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

HEIGHT, WIDTH = 48, 64
LOW, HIGH = 30, 220  # gray range of the base pattern
FRONTAL_VIEWS = ("PA", "AP", "AP Supine")


def base_pattern(height=HEIGHT, width=WIDTH):
    """A horizontal gray ramp LOW..HIGH: easy to predict after any resize."""
    row = np.linspace(LOW, HIGH, width)
    return np.rint(np.tile(row, (height, 1))).astype(np.uint8)


def write_image_kinds(folder):
    """Write one small file per image kind the loader must read.

    Returns a dict ``kind -> path``. All kinds show ``base_pattern()`` (the
    RGBA kinds only where opaque), so their grayscale decode is predictable.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    gray = base_pattern()
    rgb = np.dstack([gray, gray, gray])
    paths = {}

    def save(kind, image, name, **kwargs):
        paths[kind] = folder / name
        image.save(paths[kind], **kwargs)

    save("L_png", Image.fromarray(gray), "l.png")
    save("RGB_png", Image.fromarray(rgb), "rgb.png")
    save("L_jpeg", Image.fromarray(gray), "l.jpg", quality=95)
    save("RGB_jpeg", Image.fromarray(rgb), "rgb.jpeg", quality=95)
    save("CMYK_jpeg", Image.fromarray(rgb).convert("CMYK"), "cmyk.jpg", quality=95)
    # PNG bytes inside a .jpg file (17 such files in covid-chestxray).
    save("PNG_in_jpg", Image.fromarray(gray), "png-bytes.jpg", format="PNG")
    save("P_png", Image.fromarray(rgb).quantize(256), "palette.png")
    save("1_png", Image.fromarray(gray >= 128), "bilevel.png")
    # 16-bit: same ramp on 500..38500 (well above 255: must not be clipped).
    wide = (gray.astype(np.uint16) - LOW) * 200 + 500
    save("I16_png", Image.fromarray(wide.astype(np.uint16)), "sixteen.png")
    # Opaque alpha everywhere: behaves like RGB.
    opaque = np.dstack([rgb, np.full(gray.shape, 255, np.uint8)])
    save("RGBA_png", Image.fromarray(opaque), "rgba.png")
    # Left half fully transparent over WHITE colour values: must come out black.
    half = opaque.copy()
    half[:, : WIDTH // 2, :3] = 255
    half[:, : WIDTH // 2, 3] = 0
    save("RGBA_half_transparent_png", Image.fromarray(half), "rgba-half.png")
    la = np.dstack([gray, np.full(gray.shape, 255, np.uint8)])
    save("LA_png", Image.fromarray(la, "LA"), "la.png")
    return paths


def frontal_paths(root):
    """All frontal real X-rays: covid-chestxray X-ray PA/AP/AP Supine, all Kermany, all adult-normal."""
    root = Path(root)
    meta = pd.read_csv(root / "covid-chestxray" / "metadata.csv")
    keep = (meta["modality"] == "X-ray") & meta["view"].isin(FRONTAL_VIEWS)
    covid = {
        str(root / "covid-chestxray" / folder / name)
        for folder, name in zip(meta.loc[keep, "folder"], meta.loc[keep, "filename"])
    }
    others = sorted((root / "chest-xray-pneumonia").glob("*/*/*"))
    others += sorted((root / "adult-normal" / "images").glob("*"))
    return sorted(covid) + [str(p) for p in others]
