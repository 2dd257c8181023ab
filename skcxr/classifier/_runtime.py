"""Process-wide TensorFlow settings: seeding and thread caps.

Determinism policy
------------------
scikeras 0.13 runs ``fit`` inside ``tensorflow_random_state``, which turns
TensorFlow's op determinism on and, as measured with TF 2.21, leaves it on
for the rest of the process. :class:`~skcxr.CXRClassifier` therefore never
uses scikeras's seeding. Each ``fit`` draws one integer seed (``random_state``
itself, a draw from a ``RandomState``, or for ``None`` a draw from NumPy's
global generator, as scikit-learn does) and runs inside :func:`seeded`,
which calls :func:`keras.utils.set_random_seed` (Python, NumPy, TensorFlow
and Keras' own generators) and afterwards restores Python's and NumPy's
global generator states and TensorFlow's op-determinism flag. On CPU this
gives identical weights for identical seeds without op determinism.

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
"""

import contextlib
import os
import random

import numpy as np
from sklearn.utils import check_random_state

from .._workers import dask_worker_threads

THREADS_ENV = "SKCXR_NUM_THREADS"
_MAX_SEED = 2**31 - 1


def draw_seed(random_state):
    """One integer seed for a fit.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        An int is used as is; otherwise an int is drawn from the generator
        (NumPy's global one for None).

    Returns
    -------
    int
    """
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if not 0 <= random_state <= _MAX_SEED:
            raise ValueError(
                f"random_state must lie in [0, {_MAX_SEED}], got {random_state}"
            )
        return int(random_state)
    return int(check_random_state(random_state).randint(0, _MAX_SEED))


@contextlib.contextmanager
def seeded(seed):
    """Seed Python, NumPy, TensorFlow and Keras for the duration of the block.

    Python's and NumPy's global generator states and TensorFlow's
    op-determinism flag are restored on exit.
    """
    import keras
    from tensorflow.python.framework import config as tf_config

    python_state = random.getstate()
    numpy_state = np.random.get_state()
    determinism = tf_config.is_op_determinism_enabled()
    keras.utils.set_random_seed(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        if tf_config.is_op_determinism_enabled() != determinism:
            if determinism:
                tf_config.enable_op_determinism()
            else:
                tf_config.disable_op_determinism()


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
