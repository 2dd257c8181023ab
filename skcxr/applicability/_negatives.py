"""Images that are not frontal chest X-rays, made without any data set.

The gate learns "frontal chest X-ray" against two kinds of counter-example
that ship with the package's dependencies:

* :func:`library_images`: the photographs, text pages, textures, a CT-like
  phantom, microscopy, a retina and faces that scikit-image bundles in
  :mod:`skimage.data` (no download);
* :func:`transformed_radiographs`: the training X-rays themselves, changed so
  that they stop being frontal chest films: a close-up, a film squashed to a
  panoramic shape, a disc on black (as a CT slice), a negative, a quarter
  turn, one half stretched across the width (one lung, spine at the edge: as
  a lateral view), a false-colour rendering, a 2 x 2 figure panel.
"""

import numpy as np
from PIL import Image

#: The :mod:`skimage.data` images used (all bundled with scikit-image).
LIBRARY_IMAGES = (
    "astronaut", "camera", "coffee", "chelsea", "rocket", "coins", "moon", "page", "text",
    "horse", "clock", "hubble_deep_field", "immunohistochemistry", "retina", "brick", "grass",
    "gravel", "cell", "logo", "colorwheel", "checkerboard", "microaneurysms",
    "shepp_logan_phantom",
)
#: The transforms of :func:`transformed_radiographs`, in the order they are cycled.
TRANSFORMS = ("close_up", "panoramic", "disc", "negative", "quarter_turn", "half_width",
              "false_colour", "panel")


def _to_rgb_uint8(array):
    array = np.asarray(array)
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    elif array.dtype.kind == "f":
        lo, hi = float(array.min()), float(array.max())
        array = np.zeros(array.shape, np.uint8) if hi <= lo else \
            np.rint((array - lo) / (hi - lo) * 255).astype(np.uint8)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=-1)
    if array.shape[-1] == 4:  # composited on black, as read_image does
        alpha = array[..., 3:].astype(np.float32) / 255
        array = np.rint(array[..., :3] * alpha).astype(np.uint8)
    return np.ascontiguousarray(array[..., :3], dtype=np.uint8)


def pad_square(array, size):
    """Fit an image inside a ``size`` square, padded with black (as ``resize="pad"``)."""
    im = Image.fromarray(_to_rgb_uint8(array))
    factor = min(size / im.width, size / im.height)
    fit = (min(size, max(1, round(im.width * factor))), min(size, max(1, round(im.height * factor))))
    inner = im.resize(fit, Image.Resampling.BICUBIC, reducing_gap=3.0)
    canvas = Image.new("RGB", (size, size), 0)
    canvas.paste(inner, ((size - fit[0]) // 2, (size - fit[1]) // 2))
    return np.asarray(canvas, dtype=np.uint8)


def library_images(size, random_state):
    """The :data:`LIBRARY_IMAGES` and their mirrored / cropped variants, ``(n, size, size, 3)``."""
    import skimage.data

    rng = np.random.default_rng(random_state)
    out = []
    for name in LIBRARY_IMAGES:
        image = _to_rgb_uint8(getattr(skimage.data, name)())
        out.append(pad_square(image, size))
        out.append(pad_square(image[:, ::-1], size))
        h, w = image.shape[:2]
        ch, cw = int(h * rng.uniform(0.5, 0.8)), int(w * rng.uniform(0.5, 0.8))
        y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
        out.append(pad_square(image[y:y + ch, x:x + cw], size))
    faces = skimage.data.lfw_subset()
    for i in rng.choice(len(faces), size=12, replace=False):
        out.append(pad_square(faces[i], size))
    return np.stack(out)


def _content(image):
    grey = image.max(axis=-1)
    rows, cols = np.flatnonzero(grey.max(axis=1) > 4), np.flatnonzero(grey.max(axis=0) > 4)
    if rows.size == 0 or cols.size == 0:
        return image
    return image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _transform(name, image, other, size, rng):
    pic = _content(image)
    h, w = pic.shape[:2]
    if name == "close_up":
        s = rng.uniform(0.25, 0.45)
        ch, cw = max(2, int(h * s)), max(2, int(w * s))
        y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
        return pad_square(pic[y:y + ch, x:x + cw], size)
    if name == "panoramic":
        wide = Image.fromarray(pic).resize((int(w * rng.uniform(1.8, 2.4)), h))
        return pad_square(np.asarray(wide), size)
    if name == "disc":
        yy, xx = np.mgrid[:h, :w]
        r = rng.uniform(0.35, 0.5)
        mask = ((yy / h - 0.5) ** 2 + (xx / w - 0.5) ** 2) < r ** 2
        return pad_square(pic * mask[..., None], size)
    if name == "negative":
        return pad_square(255 - pic, size)
    if name == "quarter_turn":
        return pad_square(np.rot90(pic, k=int(rng.choice([1, 3]))), size)
    if name == "half_width":
        half = pic[:, : w // 2] if rng.random() < 0.5 else pic[:, w // 2:]
        stretched = Image.fromarray(np.ascontiguousarray(half)).resize((int(w * 0.9), h))
        return pad_square(np.asarray(stretched), size)
    if name == "false_colour":
        grey = pic.mean(axis=-1) / 255
        phase = rng.uniform(0, 2 * np.pi, size=3)
        rgb = 0.5 + 0.5 * np.sin(2 * np.pi * grey[..., None] * rng.uniform(0.5, 1.5) + phase)
        return pad_square(np.rint(rgb * 255).astype(np.uint8), size)
    if name == "panel":
        tiles = [pad_square(t, size // 2) for t in (image, other, other[:, ::-1], image[::-1])]
        return pad_square(np.vstack([np.hstack(tiles[:2]), np.hstack(tiles[2:])]), size)
    raise ValueError(f"unknown transform {name!r}")  # pragma: no cover


def transformed_radiographs(images, n, size, random_state):
    """``n`` images made from ``images`` (cycling :data:`TRANSFORMS`), ``(n, size, size, 3)``."""
    rng = np.random.default_rng(random_state)
    picks = rng.integers(0, len(images), size=(n, 2))
    out = [_transform(TRANSFORMS[i % len(TRANSFORMS)], images[a], images[b], size, rng)
           for i, (a, b) in enumerate(picks)]
    return np.stack(out) if out else np.zeros((0, size, size, 3), np.uint8)
