"""Seeding of a fit from ``random_state`` alone, whatever other threads do.

Keras 3 gives every initializer, ``Dropout`` and random preprocessing layer
built without an explicit seed a *default seed*, drawn by
``keras.src.random.seed_generator.make_default_seed`` from Python's global
:mod:`random` when the object is created. Seeding that global generator (as
:func:`keras.utils.set_random_seed` does) makes a fit reproducible only as
long as nothing else in the process draws from it during the fit: a thread
that calls :func:`random.random`, another fit in a ``threading`` joblib
backend, or the event loop of a Dask worker changes the network.

:func:`seeded` therefore never touches process-wide generators. It gives the
*calling thread* its own :class:`random.Random`, seeded from the fit's seed,
which Keras' default-seed draw uses while the block runs (other threads keep
drawing from the global generator), and a thread-local Keras
``SeedGenerator`` for ``keras.random`` calls without a seed (Keras keeps that
one per thread already). Shuffling and the validation split use NumPy
generators seeded explicitly (:mod:`skcxr.classifier._augment`,
:mod:`skcxr.classifier._inputs`), so no TensorFlow global seed is needed
either. Keras' draws happen when layers are created, i.e. in the thread that
builds the model, which is the thread that calls ``fit``.

Custom architectures should leave seeds unset (Keras then draws them here)
or derive them from Keras' generators; a builder that draws from NumPy's or
TensorFlow's global generators is not reproducible.
"""

import contextlib
import random
import threading

_LOCAL = threading.local()
#: The largest seed (``random_state``) skcxr accepts: numpy and Keras take 32-bit seeds.
MAX_SEED = 2**31 - 1


class _ThreadLocalRandom:
    """Stands in for the :mod:`random` module inside Keras' seed_generator.

    Attribute look-ups go to the calling thread's generator while it is in
    :func:`seeded`, and to the global :mod:`random` module otherwise.
    """

    def __getattr__(self, name):
        rng = getattr(_LOCAL, "rng", None)
        return getattr(random if rng is None else rng, name)


def _seed_generator_module():
    from keras.src.random import seed_generator

    return seed_generator


_INSTALL_LOCK = threading.Lock()


def install():
    """Route Keras' default-seed draws through the thread-local generator (idempotent).

    Raises
    ------
    RuntimeError
        If the installed Keras draws its default seeds some other way, in
        which case seeding could not be made independent of other threads.
    """
    module = _seed_generator_module()
    with _INSTALL_LOCK:
        if isinstance(getattr(module, "python_random", None), _ThreadLocalRandom):
            return
        if getattr(module, "python_random", None) is not random:
            raise RuntimeError(
                "skcxr cannot seed this Keras version: keras.src.random.seed_generator "
                "no longer draws default seeds from Python's random module "
                "(python_random); please report it with your Keras version"
            )
        module.python_random = _ThreadLocalRandom()


def draw_seed(random_state):
    """One integer seed in ``[0, 2**31 - 1]`` for a fit.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        An int is used as is; otherwise an int is drawn from the generator
        (NumPy's global one for None).

    Returns
    -------
    int
    """
    import numpy as np
    from sklearn.utils import check_random_state

    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if not 0 <= random_state <= MAX_SEED:
            raise ValueError(f"random_state must lie in [0, {MAX_SEED}], got {random_state}")
        return int(random_state)
    return int(check_random_state(random_state).randint(0, MAX_SEED))


def derive_seed(seed, *keys):
    """A seed for one use (``"shuffle"``, epoch numbers, ...) of a fit's seed."""
    import numpy as np

    words = [seed] + [k if isinstance(k, int) else sum(map(ord, str(k))) for k in keys]
    return int(np.random.SeedSequence(words).generate_state(1)[0] % MAX_SEED)


@contextlib.contextmanager
def seeded(seed):
    """Seed Keras' default seeds for the calling thread only, for the block.

    Inside the block, layers and initializers created *in this thread*
    without a seed get seeds drawn from ``random.Random(seed)``, and
    ``keras.random`` calls without a seed use a ``SeedGenerator(seed)``.
    Nothing process-wide (Python's, NumPy's or TensorFlow's global
    generators, TensorFlow's op determinism) is read or changed; a seeded fit
    also enters :func:`deterministic_ops`. Blocks nest.
    """
    from keras.src.backend.common import global_state

    install()
    module = _seed_generator_module()
    previous_rng = getattr(_LOCAL, "rng", None)
    previous_gen = global_state.get_global_attribute(module.GLOBAL_SEED_GENERATOR)
    _LOCAL.rng = random.Random(seed)
    global_state.set_global_attribute(
        module.GLOBAL_SEED_GENERATOR, module.SeedGenerator(derive_seed(seed, "keras.random"))
    )
    try:
        yield
    finally:
        _LOCAL.rng = previous_rng
        global_state.set_global_attribute(module.GLOBAL_SEED_GENERATOR, previous_gen)


_DETERMINISM = {"lock": threading.Lock(), "depth": 0, "was_on": False}


@contextlib.contextmanager
def deterministic_ops():
    """TensorFlow's op determinism on for the block (process-wide), then as it was.

    With it off, TensorFlow's CPU kernels may add up partial results in an
    order that depends on how busy the machine is: two fits with the same
    seed differed by 1e-7 in their scores when another job loaded the cores
    (the loky grid search against the sequential one, under a 2-core load).
    Every seeded fit (``random_state`` not None) runs inside this block.
    Counted, so concurrent seeded fits in threads keep it on until the last
    one ends; a setting made before the first block is left as it was.
    Measured on the five-block fit at 128 px: 143.7 img/s with it against
    147.1 without, within the noise between rounds (``benchmarks/bench_fit.py``).
    """
    from tensorflow.python.framework import config  # the public API has no getter

    state = _DETERMINISM
    with state["lock"]:
        if state["depth"] == 0:
            state["was_on"] = config.is_op_determinism_enabled()
            if not state["was_on"]:
                config.enable_op_determinism()
        state["depth"] += 1
    try:
        yield
    finally:
        with state["lock"]:
            state["depth"] -= 1
            if state["depth"] == 0 and not state["was_on"]:
                config.disable_op_determinism()
