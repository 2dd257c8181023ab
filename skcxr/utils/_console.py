"""What skcxr's scripts share: a quiet TensorFlow start and output folders never overwritten.

Used by the examples (and the command line): call :func:`quiet_tensorflow`
before anything imports TensorFlow, and :func:`output_folder` for the
``--output-dir`` / ``--overwrite`` pair.
"""

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["output_folder", "quiet_tensorflow"]

#: Environment variable of TensorFlow's C++ log level (0: all ... 3: errors hidden too).
TF_LOG_ENV = "TF_CPP_MIN_LOG_LEVEL"


@contextlib.contextmanager
def _stderr_captured():
    """File descriptor 2 into a temporary file for the block (C++ writes bypass
    sys.stderr); what was captured is written out if the block raises."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (some notebooks)
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def quiet_tensorflow(verbose=False):
    """Start TensorFlow without its C++ log lines, unless the user asked for them.

    TensorFlow prints, as it loads, lines such as ``I0000 ... port.cc:153]
    oneDNN custom operations are on`` and, on a machine without a GPU,
    ``E0000 ... failed call to cuInit ... (303)``: noise for a user. When
    ``$TF_CPP_MIN_LOG_LEVEL`` is not set this sets it to 3 (also for worker
    processes, which inherit it; at 2 a seeded fit with a validation split
    still logged ``E0000 ... node_def_util.cc ... use_unbounded_threadpool``)
    and imports TensorFlow and lists its devices with the process' stderr
    captured (TensorFlow writes those lines through absl before it reads the
    variable); if that raises, the captured text is shown with the error. A
    user who sets the variable (``TF_CPP_MIN_LOG_LEVEL=0 python
    examples/...``), or passes ``verbose=True`` (``skcxr ... --verbose``),
    gets every line. The examples and the ``skcxr`` command call it before
    anything imports TensorFlow.

    Parameters
    ----------
    verbose : bool, default=False
        Show every line: ``$TF_CPP_MIN_LOG_LEVEL`` defaults to 0.

    Returns
    -------
    bool
        True when the lines were hidden.
    """
    if verbose:
        os.environ.setdefault(TF_LOG_ENV, "0")
        return False
    if TF_LOG_ENV in os.environ or "tensorflow" in sys.modules:
        return False
    os.environ[TF_LOG_ENV] = "3"
    with _stderr_captured():
        import tensorflow as tf

        tf.config.list_physical_devices()
    return True


def output_folder(path, *, overwrite=False, default=None, stream=None):
    """The folder a run writes into: never one holding an earlier run, unless asked.

    Parameters
    ----------
    path : str or path-like
        The folder asked for (``--output-dir``).
    overwrite : bool, default=False
        Write into ``path`` even when it already holds files.
    default : str or path-like, default=None
        The script's default ``--output-dir``. When ``path`` is it (the user
        did not choose) and it holds files, a new folder
        ``<path>-YYYYmmdd-HHMMSS`` is used instead; when the user chose a
        folder that holds files, a :class:`FileExistsError` says to pass
        ``--overwrite`` or another folder.
    stream : file-like, default=None
        Where the choice is said (``sys.stdout`` by default).

    Returns
    -------
    pathlib.Path
        The folder, created.

    Raises
    ------
    FileExistsError
        ``path`` was chosen, holds files, and ``overwrite`` is False.

    Examples
    --------
    >>> import io, tempfile
    >>> from pathlib import Path
    >>> from skcxr.utils._console import output_folder
    >>> root = Path(tempfile.mkdtemp())
    >>> first = output_folder(root / "out", default=root / "out", stream=io.StringIO())
    >>> _ = (first / "model.joblib").write_text("x")
    >>> said = io.StringIO()
    >>> second = output_folder(root / "out", default=root / "out", stream=said)
    >>> second != first and second.name.startswith("out-")
    True
    >>> "already holds" in said.getvalue()
    True
    """
    path = Path(path)
    busy = path.is_dir() and any(path.iterdir())
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"--output-dir {path} is a file; name a folder")
    if busy and not overwrite:
        if default is None or path != Path(default):
            raise FileExistsError(
                f"--output-dir {path} already holds files of an earlier run; pass "
                "--overwrite to replace them, or name another folder")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        fresh = path.with_name(f"{path.name}-{stamp}")
        n = 1
        while fresh.exists():
            n += 1
            fresh = path.with_name(f"{path.name}-{stamp}-{n}")
        print(f"{path}/ already holds an earlier run: writing to {fresh}/ instead "
              "(--overwrite replaces it)", file=stream or sys.stdout, flush=True)
        path = fresh
    elif busy:
        print(f"overwriting the files of {path}/ (--overwrite)", file=stream or sys.stdout,
              flush=True)
    path.mkdir(parents=True, exist_ok=True)
    return path
