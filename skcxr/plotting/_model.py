"""The network's layers as text (``model.summary()``) or as an image (``plot_model``)."""

import importlib.util
import shutil

from sklearn.exceptions import NotFittedError

from ..utils._estimators import final_estimator

__all__ = ["model_summary", "plot_model"]


def _keras_model(estimator):
    """The Keras model of a keras Model, a fitted CXRClassifier or a Pipeline ending in one."""
    estimator = final_estimator(estimator)
    if hasattr(estimator, "layers") and hasattr(estimator, "summary"):
        return estimator  # already a keras Model
    if hasattr(estimator, "fit"):
        model = getattr(estimator, "model_", None)
        if model is None:
            raise NotFittedError(
                f"{type(estimator).__name__} has no Keras model yet (model_); fit it first."
            )
        return model
    raise TypeError(
        "expected a keras Model, a fitted CXRClassifier or a Pipeline ending in one; "
        f"got {type(estimator).__name__}."
    )


def model_summary(estimator, **kwargs):
    """Text table of the network's layers, output shapes and parameter counts.

    The study's figure 7 as text, from Keras' ``model.summary()``.

    Parameters
    ----------
    estimator : keras.Model, fitted CXRClassifier or Pipeline
        The network, a fitted estimator holding it in ``model_``, or a
        Pipeline whose last step is such an estimator.
    **kwargs
        Passed to ``keras.Model.summary`` (e.g. ``show_trainable=True``,
        ``expand_nested=True``, ``line_length=100``).

    Returns
    -------
    str
        The summary as Keras prints it.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator has not been fitted.

    Examples
    --------
    >>> import keras  # doctest: +SKIP
    >>> from skcxr.plotting import model_summary
    >>> model = keras.Sequential(  # doctest: +SKIP
    ...     [keras.Input((4,)), keras.layers.Dense(2, name="out")])
    >>> print(model_summary(model))  # doctest: +SKIP
    Model: "sequential"
    ...
     Total params: 10 (40.00 B)
    ...
    """
    model = _keras_model(estimator)
    chunks = []

    def print_fn(text, *args, **kw):
        chunks.append(str(text))

    model.summary(print_fn=print_fn, **kwargs)
    return "\n".join(chunk.rstrip("\n") for chunk in chunks)


def plot_model(estimator, to_file="model.png", **kwargs):
    """Draw the network's layers to an image with ``keras.utils.plot_model``.

    Needs the optional ``pydot`` package and the Graphviz ``dot`` program;
    :func:`model_summary` gives the same information as text without them.

    Parameters
    ----------
    estimator : keras.Model, fitted CXRClassifier or Pipeline
        As in :func:`model_summary`.
    to_file : str or path-like, default="model.png"
        Image file to write (the extension sets the format).
    **kwargs
        Passed to ``keras.utils.plot_model`` (e.g. ``show_shapes=True``).

    Returns
    -------
    str
        The path written.

    Raises
    ------
    ImportError
        If ``pydot`` or Graphviz' ``dot`` is missing (named in the message).

    Examples
    --------
    >>> from skcxr.plotting import plot_model
    >>> plot_model(fitted_classifier, "model.png", show_shapes=True)  # doctest: +SKIP
    'model.png'
    """
    missing = []
    if importlib.util.find_spec("pydot") is None:
        missing.append("the Python package pydot (pip install pydot)")
    if shutil.which("dot") is None:
        missing.append("Graphviz' dot program (e.g. apt-get install graphviz)")
    if missing:
        raise ImportError(
            "plot_model needs " + " and ".join(missing)
            + "; use skcxr.plotting.model_summary for a text view instead."
        )
    from keras.utils import plot_model as keras_plot_model

    model = _keras_model(estimator)
    keras_plot_model(model, to_file=str(to_file), **kwargs)
    return str(to_file)
