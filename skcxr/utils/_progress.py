"""Progress lines for long loops (loading, embedding, epochs), sklearn style.

One shared helper so that every long operation reports the same way: a
line ``[Name] k/n things (p%), t s elapsed, ~r s left`` on stderr, at most
every ``interval`` seconds, and only once the loop has run for ``delay``
seconds or when it is known to be long (``total >= min_total``), so that
small inputs (tests, doctests) stay quiet. ``verbose=0`` silences it.
Imports nothing heavy: the loader (preprocessing) may use it.
"""

import sys
import time

__all__ = ["ProgressLine", "format_epoch_line"]


class ProgressLine:
    """Print ``[name] k/n unit`` lines on stderr while a loop advances.

    Parameters
    ----------
    total : int or None
        Number of items (None: unknown, no share or time left is shown).
    name : str
        Who reports, e.g. ``"XRayLoader"``.
    unit : str, default="images"
        What is counted.
    verbose : int or bool, default=1
        0 / False: print nothing. 1: the rules below. 2 or more: also for
        short loops (as if ``delay=0`` and ``min_total=0``).
    delay : float, default=5.0
        Seconds after which a loop starts reporting, whatever its size.
    min_total : int, default=2000
        Loops of at least this many items report from the start.
    interval : float, default=5.0
        Least seconds between two lines (the last line is always printed
        once the loop has reported anything).
    stream : file-like, default=None
        Where to write; ``sys.stderr`` (looked up at each line) by default.

    Examples
    --------
    >>> import io
    >>> from skcxr.utils._progress import ProgressLine
    >>> out = io.StringIO()
    >>> progress = ProgressLine(3, "XRayLoader", verbose=2, interval=0, stream=out)
    >>> for _ in range(3):
    ...     progress.update()
    >>> progress.close()
    >>> out.getvalue().splitlines()[-1].split(",")[0]
    '[XRayLoader] 3/3 images (100%)'
    >>> quiet = io.StringIO()
    >>> progress = ProgressLine(3, "XRayLoader", stream=quiet)  # short: silent
    >>> progress.update(3); progress.close(); quiet.getvalue()
    ''
    """

    def __init__(self, total, name, *, unit="images", verbose=1, delay=5.0, min_total=2000,
                 interval=5.0, stream=None):
        self.total = None if total is None else int(total)
        self.name = name
        self.unit = unit
        self.verbose = int(verbose)
        self.delay = 0.0 if self.verbose >= 2 else float(delay)
        self.min_total = 0 if self.verbose >= 2 else int(min_total)
        self.interval = float(interval)
        self.stream = stream
        self.done = 0
        self.lines = 0
        self._start = time.perf_counter()
        self._last = None

    def _active(self, elapsed):
        if not self.verbose:
            return False
        long_loop = self.total is not None and self.total >= self.min_total
        return long_loop or elapsed >= self.delay

    def _write(self, elapsed):
        if self.total:
            text = f"[{self.name}] {self.done}/{self.total} {self.unit} " \
                   f"({100 * self.done / self.total:.0f}%), {elapsed:.0f} s elapsed"
            if 0 < self.done < self.total:
                text += f", ~{elapsed * (self.total - self.done) / self.done:.0f} s left"
        else:
            text = f"[{self.name}] {self.done} {self.unit}, {elapsed:.0f} s elapsed"
        print(text, file=self.stream or sys.stderr, flush=True)
        self.lines += 1
        self._last = elapsed

    def update(self, n=1):
        """Count ``n`` more items done; print a line when one is due."""
        self.done += int(n)
        elapsed = time.perf_counter() - self._start
        if not self._active(elapsed):
            return
        if self._last is None or elapsed - self._last >= self.interval:
            self._write(elapsed)

    def close(self):
        """Print the final count, if this loop reported anything before."""
        if self.lines and self._last is not None:
            elapsed = time.perf_counter() - self._start
            if self._last != elapsed:
                self._write(elapsed)


def format_epoch_line(name, epoch, epochs, logs, seconds):
    """One sklearn-style line for a finished epoch.

    Parameters
    ----------
    name : str
        Who trains, e.g. ``"CXRClassifier"``.
    epoch : int
        The epoch just finished, counted from 1.
    epochs : int or None
        Epochs planned.
    logs : dict
        Keras' logs of the epoch (``loss``, ``accuracy``, ``val_loss``, ...).
    seconds : float
        Duration of the epoch.

    Returns
    -------
    str

    Examples
    --------
    >>> from skcxr.utils._progress import format_epoch_line
    >>> format_epoch_line("CXRClassifier", 3, 20, {"accuracy": 0.8, "loss": 0.41234,
    ...                   "val_loss": 0.5}, 2.04)
    '[CXRClassifier] epoch 3/20: loss 0.412, accuracy 0.800, val_loss 0.500 (2.0 s)'
    """
    of = f"/{epochs}" if epochs else ""
    logs = {k: v for k, v in (logs or {}).items() if k != "learning_rate" and _is_number(v)}
    # loss first, then the other training metrics, then the validation ones
    order = sorted(logs, key=lambda k: (k.startswith("val_"), k.removeprefix("val_") != "loss"))
    shown = ", ".join(f"{k} {float(logs[k]):.3f}" for k in order)
    return f"[{name}] epoch {epoch}{of}: {shown} ({seconds:.1f} s)"


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
