"""Registry of Keras model builders, extensible through entry points.

A *builder* is a callable ``builder(input_shape, n_classes, **hyperparameters)``
returning an uncompiled :class:`keras.Model`. Builders are registered under a
name with :func:`register_architecture`; third-party packages add their own
through the entry-point group ``skcxr.architectures`` (``name =
"module:builder"``), which is read lazily, the first time a name is looked up
that is not registered in this process.
"""

import importlib.metadata
import warnings

ENTRY_POINT_GROUP = "skcxr.architectures"

# name -> builder, filled by register_architecture (built-ins on import of
# skcxr.architectures, plugins when their entry point is loaded).
_REGISTRY = {}
# name -> importlib.metadata.EntryPoint, discovered lazily and not yet loaded.
_ENTRY_POINTS = None


def _discover_entry_points():
    """Read the entry-point group once and keep the entry points not yet loaded."""
    global _ENTRY_POINTS
    if _ENTRY_POINTS is None:
        found = {}
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in found and found[ep.name].value != ep.value:
                warnings.warn(
                    f"two installed packages declare the skcxr architecture "
                    f"{ep.name!r} ({found[ep.name].value!r} and {ep.value!r}); "
                    f"using {found[ep.name].value!r}",
                    UserWarning,
                    stacklevel=3,
                )
                continue
            found[ep.name] = ep
        _ENTRY_POINTS = found
    return _ENTRY_POINTS


def _reset_entry_points():
    """Forget discovered entry points so that the next look-up reads them again."""
    global _ENTRY_POINTS
    _ENTRY_POINTS = None


def register_architecture(name, builder=None, *, overwrite=False):
    """Register a model builder under ``name``.

    Use it as a decorator (``@register_architecture("name")``) or call it
    directly with the builder as second argument.

    Parameters
    ----------
    name : str
        Name under which :class:`skcxr.CXRClassifier` (``architecture=name``)
        and :func:`get_architecture` find the builder.
    builder : callable, default=None
        ``builder(input_shape, n_classes, **hyperparameters) -> keras.Model``.
        When None, a decorator is returned.
    overwrite : bool, default=False
        Replace a builder already registered under ``name`` instead of raising.

    Returns
    -------
    callable
        The builder itself (so the decorated function stays usable), or a
        decorator when ``builder`` is None.

    Raises
    ------
    ValueError
        If ``name`` is already registered (and ``overwrite`` is False) or is
        not a non-empty string.
    TypeError
        If ``builder`` is not callable.

    Notes
    -----
    Give layers stable names, keep the graph flat (no nested models) and end
    with a ``Dense(n_classes, name="logits")`` followed by a softmax
    activation: :mod:`skcxr.explain` then finds the last convolutional layer
    and the logits by itself. Custom layers must be registered with
    :func:`keras.saving.register_keras_serializable`, otherwise fitted
    classifiers cannot be pickled or saved.

    Examples
    --------
    >>> import keras
    >>> from skcxr.architectures import register_architecture, get_architecture
    >>> @register_architecture("tiny_example")
    ... def tiny(input_shape, n_classes, *, filters=4):
    ...     inputs = keras.Input(input_shape, name="image")
    ...     x = keras.layers.Conv2D(filters, 3, activation="relu", name="conv1")(inputs)
    ...     x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    ...     logits = keras.layers.Dense(n_classes, name="logits")(x)
    ...     outputs = keras.layers.Activation("softmax", name="probabilities")(logits)
    ...     return keras.Model(inputs, outputs, name="tiny_example")
    >>> get_architecture("tiny_example") is tiny
    True
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"architecture name must be a non-empty string, got {name!r}")

    def decorator(func):
        if not callable(func):
            raise TypeError(
                f"architecture {name!r}: builder must be callable, got {func!r}"
            )
        current = _REGISTRY.get(name)
        if current is not None and current is not func and not overwrite:
            raise ValueError(
                f"architecture {name!r} is already registered (by "
                f"{_describe(current)}); pick another name or pass overwrite=True. "
                f"Registered: {sorted(_REGISTRY)}"
            )
        _REGISTRY[name] = func
        return func

    if builder is None:
        return decorator
    return decorator(builder)


def _describe(func):
    module = getattr(func, "__module__", None) or "?"
    return f"{module}.{getattr(func, '__qualname__', repr(func))}"


def _load_entry_point(name):
    ep = _discover_entry_points()[name]
    try:
        builder = ep.load()
    except Exception as exc:  # report which plugin is broken, keep the cause
        raise ImportError(
            f"could not load skcxr architecture {name!r} from entry point "
            f"{ep.value!r} (group {ENTRY_POINT_GROUP!r}): {exc}"
        ) from exc
    # The plugin module may already have registered itself on import.
    if _REGISTRY.get(name) is not builder:
        register_architecture(name, builder)
    return builder


def get_architecture(name):
    """Return the builder registered under ``name``.

    Names registered in this process come first; otherwise installed
    packages' entry points (group ``skcxr.architectures``) are searched and
    the matching one is imported.

    Parameters
    ----------
    name : str or callable
        A registered name. A callable is returned unchanged, so that
        ``CXRClassifier(architecture=my_builder)`` works too.

    Returns
    -------
    callable
        ``builder(input_shape, n_classes, **hyperparameters) -> keras.Model``.

    Raises
    ------
    ValueError
        If no builder is registered or installed under ``name``; the message
        lists the available names.

    Examples
    --------
    >>> from skcxr.architectures import get_architecture
    >>> model = get_architecture("five_block")((64, 64, 1), 2)
    >>> model.output_shape
    (None, 2)
    """
    if callable(name):
        return name
    if name in _REGISTRY:
        return _REGISTRY[name]
    if isinstance(name, str) and name in _discover_entry_points():
        return _load_entry_point(name)
    raise ValueError(
        f"unknown architecture {name!r}; available: {list_architectures()}. "
        f"Add one with skcxr.architectures.register_architecture or an "
        f"entry point in the {ENTRY_POINT_GROUP!r} group."
    )


def list_architectures():
    """Names of all available architectures, registered or installed.

    Installed entry points are listed without importing them.

    Returns
    -------
    list of str
        Sorted names.

    Examples
    --------
    >>> from skcxr.architectures import list_architectures
    >>> "five_block" in list_architectures()
    True
    """
    return sorted(set(_REGISTRY) | set(_discover_entry_points()))
