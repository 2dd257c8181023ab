"""Image preprocessing: file paths -> arrays (:class:`XRayLoader`), contrast
normalisation (:class:`XRayNormalizer`) and the single image decoder
(:func:`read_image`)."""

from ._io import ImageReadError, read_image
from ._loader import XRayLoader
from ._normalizer import XRayNormalizer

__all__ = ["ImageReadError", "XRayLoader", "XRayNormalizer", "read_image"]
