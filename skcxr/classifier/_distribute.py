"""One fit on several devices: ``CXRClassifier(distribute=...)``.

``distribute`` is None (TensorFlow's default device placement), the string
``"mirrored"`` (a fresh :class:`tf.distribute.MirroredStrategy` over every
visible GPU, or every logical CPU, built at each fit) or a
:class:`tf.distribute.Strategy` instance. :func:`distribute_scope` enters the
strategy's scope around scikeras' fit, so the network is built, compiled
(optimizer slots included) and trained under it; Keras then splits each
global batch of ``batch_size`` images across the replicas and averages their
gradients. The trained model keeps its strategy for predictions in this
process; once pickled and loaded it predicts on the default device.

A strategy instance is a process-local object: it cannot be pickled and a
deep copy would be a second strategy over the same devices. So
:func:`clone_keeping_strategy` gives clones the *same* instance (scikit-learn's
``clone`` deep-copies other non-estimator parameters), and
:func:`picklable_state` replaces it by None, with a warning, when the
estimator is pickled. Searches that send estimators to other processes
(``n_jobs > 1``, Dask) therefore need the string ``"mirrored"``.
"""

import contextlib
import warnings

DISTRIBUTE_OPTIONS = ("mirrored",)


def _is_strategy(value):
    import tensorflow as tf

    return isinstance(value, tf.distribute.Strategy)


def check_distribute(distribute):
    """Raise a ValueError unless ``distribute`` is None, ``"mirrored"`` or a Strategy."""
    if distribute is None or (isinstance(distribute, str) and distribute in DISTRIBUTE_OPTIONS):
        return distribute
    if not isinstance(distribute, str) and _is_strategy(distribute):
        return distribute
    raise ValueError(
        f"distribute must be None, one of {list(DISTRIBUTE_OPTIONS)} or a "
        f"tf.distribute.Strategy instance, got {distribute!r}"
    )


def make_strategy(distribute):
    """The :class:`tf.distribute.Strategy` for ``distribute`` (None for None)."""
    check_distribute(distribute)
    if distribute is None:
        return None
    if isinstance(distribute, str):  # "mirrored"
        import tensorflow as tf

        return tf.distribute.MirroredStrategy()
    return distribute


@contextlib.contextmanager
def distribute_scope(distribute):
    """Enter the scope of the strategy ``distribute`` asks for (nothing for None).

    Yields the strategy, or None.
    """
    strategy = make_strategy(distribute)
    if strategy is None:
        yield None
        return
    with strategy.scope():
        yield strategy


def clone_keeping_strategy(estimator):
    """``sklearn.base.clone`` of ``estimator`` that keeps its strategy instance.

    With ``distribute`` None or a string this is scikit-learn's own clone. With
    an instance, every other parameter is cloned as scikit-learn does and the
    clone gets the same strategy object.
    """
    from sklearn.base import BaseEstimator

    strategy = getattr(estimator, "distribute", None)
    if strategy is None or isinstance(strategy, str):
        return BaseEstimator.__sklearn_clone__(estimator)
    # Clone a shallow copy that holds None, then hand the instance back.
    shell = object.__new__(type(estimator))
    shell.__dict__.update(estimator.__dict__)
    shell.distribute = None
    new = BaseEstimator.__sklearn_clone__(shell)
    new.distribute = strategy
    return new


def picklable_state(state):
    """Replace a strategy instance in a pickled estimator's ``state`` by None, with a warning."""
    distribute = state.get("distribute")
    if distribute is None or isinstance(distribute, str):
        return state
    warnings.warn(
        f"distribute={distribute!r} is a process-local tf.distribute.Strategy and "
        "cannot be pickled: the unpickled classifier has distribute=None (it "
        "predicts on the default device, and a refit trains there). Use "
        "distribute='mirrored' to keep the setting across processes.",
        UserWarning,
        stacklevel=3,
    )
    return {**state, "distribute": None}
