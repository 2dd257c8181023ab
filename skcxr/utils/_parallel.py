"""``n_jobs``: its declaration and how many threads it means here and now."""

from numbers import Integral

from joblib import cpu_count, effective_n_jobs
from joblib.parallel import get_active_backend
from sklearn.utils._param_validation import Interval

from ._workers import dask_worker_threads

#: Threads ``n_jobs=None`` uses at most outside joblib and Dask.
MAX_THREADS = 8

#: ``n_jobs`` as joblib reads it: None, or a non-zero int (negative counts from the cores).
N_JOBS_CONSTRAINT = [
    Interval(Integral, None, -1, closed="right"),
    Interval(Integral, 1, None, closed="left"),
    None,
]


def resolve_n_jobs(n_jobs):
    """Threads to use for ``n_jobs``; ``None`` means all cores outside joblib workers.

    ``None`` inside a Dask task: the worker's own threads; inside
    ``joblib.parallel_config(n_jobs=...)``: that count; inside a joblib worker:
    1 (no nesting); otherwise the cores, at most :data:`MAX_THREADS`.

    Examples
    --------
    >>> from skcxr.utils._parallel import resolve_n_jobs
    >>> resolve_n_jobs(1), resolve_n_jobs(None) >= 1
    (1, True)
    """
    if n_jobs is not None:
        return effective_n_jobs(n_jobs)
    worker_threads = dask_worker_threads()
    if worker_threads is not None:  # inside a task on a Dask worker: its own threads
        return worker_threads
    backend, context_n_jobs = get_active_backend()
    if context_n_jobs is not None:  # inside joblib.parallel_config(n_jobs=...)
        return effective_n_jobs(context_n_jobs)
    if getattr(backend, "nesting_level", 0):  # inside a joblib worker: no nesting
        return 1
    return max(1, min(cpu_count(), MAX_THREADS))
