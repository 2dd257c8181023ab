"""The error every image reader of skcxr raises for a file it cannot use."""

__all__ = ["ImageReadError"]


class ImageReadError(ValueError):
    """Raised when a file exists but cannot be decoded as a usable image.

    The message always names the offending file. Subclass of
    :class:`ValueError` so ``except ValueError`` keeps working.

    Examples
    --------
    >>> from skcxr.preprocessing import ImageReadError
    >>> issubclass(ImageReadError, ValueError)
    True
    """
