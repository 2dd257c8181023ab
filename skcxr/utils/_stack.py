"""The stack level that makes a warning point at the user's line, not skcxr's."""

import os
import sys

__all__ = ["caller_stacklevel"]

_INTERNAL = None


def _internal_dirs():
    global _INTERNAL
    if _INTERNAL is None:
        import joblib
        import sklearn

        # the skcxr package (this module lives in skcxr/utils/)
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        _INTERNAL = tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep
                          for m in (sklearn, joblib)) + (here + os.sep,)
    return _INTERNAL


def caller_stacklevel():
    """``stacklevel`` for :func:`warnings.warn` called where this is called.

    Counts the frames from the function that warns up to the first one
    outside skcxr, scikit-learn and joblib: the user's line, also when the
    call went through ``sklearn.utils._param_validation.validate_params``, a
    Pipeline or a search (a fixed ``stacklevel=2`` would name the wrapper).

    Returns
    -------
    int

    Examples
    --------
    >>> import warnings
    >>> from skcxr.utils._stack import caller_stacklevel
    >>> def f():
    ...     warnings.warn("checked", UserWarning, stacklevel=caller_stacklevel())
    >>> with warnings.catch_warnings(record=True) as record:
    ...     warnings.simplefilter("always")
    ...     f()
    >>> record[0].filename.startswith("<doctest")
    True
    """
    internal = _internal_dirs()
    frame = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(internal):
        frame = frame.f_back
        level += 1
    return level
