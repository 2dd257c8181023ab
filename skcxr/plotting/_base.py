"""What every plotting function needs first: matplotlib, or a message saying how to get it."""

try:  # scikit-learn >= 1.5 keeps it here (no longer re-exported by sklearn.utils in 1.9)
    from sklearn.utils._optional_dependencies import check_matplotlib_support
except ImportError:  # pragma: no cover - older scikit-learn
    from sklearn.utils import check_matplotlib_support

#: How to install the optional plotting dependencies.
PLOT_EXTRA_HINT = "install skcxr's plot extra: pip install skcxr[plot]"


def require_matplotlib(caller_name):
    """Raise an ImportError naming ``caller_name`` and the ``plot`` extra without matplotlib.

    Built on :func:`sklearn.utils.check_matplotlib_support`, whose message
    names the caller; ours adds the extra that installs matplotlib with skcxr.
    """
    try:
        check_matplotlib_support(caller_name)
    except ImportError as exc:
        raise ImportError(f"{exc}, or {PLOT_EXTRA_HINT}") from exc
