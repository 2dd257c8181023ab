"""Process-wide TensorFlow settings: seeding policy, thread caps, fork guard.

Determinism policy
------------------
scikeras 0.13 runs ``fit`` inside ``tensorflow_random_state``, which turns
TensorFlow's op determinism on and, as measured with TF 2.21, leaves it on
for the rest of the process. :class:`~skcxr.CXRClassifier` therefore never
uses scikeras's seeding. Each training call draws one integer seed
(``random_state`` itself, a draw from a ``RandomState``, or for ``None`` a
draw from NumPy's global generator, as scikit-learn does) and runs inside
:func:`skcxr.utils._seeding.seeded`, which seeds Keras' default seeds
for the calling thread only: nothing process-wide is read or changed, so
other threads (a ``threading`` joblib backend, Dask's event loop) cannot
change a fit. On CPU this gives identical weights for identical seeds
without op determinism.

Threads
-------
TensorFlow sizes its thread pools once, when its runtime starts.
:func:`configure_tf_threads` caps them before that happens from
``$SKCXR_NUM_THREADS`` or, failing that, ``$OMP_NUM_THREADS``, which joblib's
loky backend sets to ``cpu_count // n_jobs`` in each worker: ``n_jobs=2`` on
2 cores then runs one TF thread per worker instead of two each. On a Dask
worker the cap is the worker's own thread count (``nthreads``, e.g.
``LocalCluster(threads_per_worker=...)`` or ``dask worker --nthreads``),
read on the worker, never the client's; it comes before ``$OMP_NUM_THREADS``,
which Dask's nanny sets to 1 whatever the worker's size.

Forks
-----
A process forked after TensorFlow's runtime started (joblib's
``"multiprocessing"`` backend, ``multiprocessing`` with the ``fork`` start
method) deadlocks in its first TensorFlow call. :func:`check_not_forked`,
called before every TensorFlow call of the classifier, raises instead.
"""

import os
import sys

from ._workers import dask_worker_threads

THREADS_ENV = "SKCXR_NUM_THREADS"


def _env_threads(name):
    value = os.environ.get(name)
    if not value:
        return None
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"${name} must be a positive integer, got {value!r}") from None
    if n < 1:
        raise ValueError(f"${name} must be a positive integer, got {value!r}")
    return n


def _requested_threads():
    n = _env_threads(THREADS_ENV)
    if n is None:
        n = dask_worker_threads()  # the worker's own size, not the client's
    if n is None:
        n = _env_threads("OMP_NUM_THREADS")
    return n


def configure_tf_threads():
    """Cap TensorFlow's intra- and inter-op threads from the environment.

    Reads ``$SKCXR_NUM_THREADS``, else the thread count of the Dask worker
    running this call, else ``$OMP_NUM_THREADS``. Has an effect only
    before TensorFlow's runtime has started in this process; later calls keep
    the pools as they are.

    Returns
    -------
    int or None
        The intra-op thread count now in force (None: TensorFlow's default).
    """
    check_not_forked()
    import tensorflow as tf

    n = _requested_threads()
    current = tf.config.threading.get_intra_op_parallelism_threads() or None
    if n is None or current == n:
        return current
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:  # runtime already started: pools are fixed
        return current
    return n


# ------------------------------------------------------------------ forks
_FORK = {"tf_started_in_parent": False}


def _tf_runtime_started():
    """True once TensorFlow's eager context exists (pure Python: safe after a fork)."""
    context = sys.modules.get("tensorflow.python.eager.context")
    ctx = getattr(context, "_context", None)
    return getattr(ctx, "_context_handle", None) is not None


def _after_fork_in_child():
    _FORK["tf_started_in_parent"] = _tf_runtime_started()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


def check_not_forked():
    """Raise if this process was forked from one where TensorFlow had started.

    Raises
    ------
    RuntimeError
        Naming the cause and the fix (joblib's default ``loky`` backend).
    """
    if _FORK["tf_started_in_parent"]:
        raise RuntimeError(
            "CXRClassifier is running in a process forked after TensorFlow had started "
            "in its parent (joblib's 'multiprocessing' backend, or multiprocessing with "
            "the 'fork' start method); TensorFlow deadlocks there. Use joblib's default "
            "'loky' backend (e.g. GridSearchCV(n_jobs=2) without "
            "parallel_config(backend='multiprocessing')), 'threading', Dask, or the "
            "'spawn' / 'forkserver' start method"
        )
