"""Where the current code runs: a Dask worker or not (no Dask import needed).

Part of the lowest floor, :mod:`skcxr.utils`: preprocessing (missing files)
and the TF runtime (thread caps) ask it, so neither depends on the other.
"""

import sys

#: How to make image paths readable by Dask workers; appended to file errors
#: raised on a worker and shown in the "Scaling out" guide.
REMOTE_FILES_HINT = (
    "image paths must be readable on the Dask workers, at the same path: either "
    "put the images on a filesystem every worker mounts at that path (NFS, a "
    "cluster filesystem, a copy at the same place on each node), or load them "
    "first on the client with XRayLoader().transform(paths) and pass the arrays "
    "(client.scatter them, then fit the pipeline without its loader step); see "
    "the 'Scaling out' page of the skcxr docs"
)


def dask_worker():
    """The :class:`distributed.Worker` running the current task, or None.

    Imports nothing: outside a process that has imported ``distributed`` the
    answer is None at once.
    """
    if "distributed" not in sys.modules:
        return None
    try:
        from distributed import get_worker

        return get_worker()
    except (ImportError, ValueError):  # not inside a task of a worker
        return None


def dask_worker_threads():
    """Threads of the Dask worker running this task (its ``nthreads``), or None."""
    worker = dask_worker()
    if worker is None:
        return None
    state = getattr(worker, "state", None)
    n = getattr(state, "nthreads", None) or getattr(worker, "nthreads", None)
    return int(n) if n else None


def on_worker_hint():
    """``" (on Dask worker <address>: <hint>)"`` on a worker, else ``""``."""
    worker = dask_worker()
    if worker is None:
        return ""
    return f" (on Dask worker {getattr(worker, 'address', '?')}: {REMOTE_FILES_HINT})"
