"""Prediction in batches of one shape: one trace of Keras' predict function per network.

``keras.Model.predict`` runs a ``tf.function`` that is traced once per input
shape: a last, partial batch (13 images in batches of 8: 8 + 5) traces it a
second time, for every network and every test set of another size. In a
cross-validation each fold's new network adds its traces to the same Python
function, and TensorFlow warns ``N out of the last M calls ... triggered
tf.function retracing``. Padding the last batch to the full batch size (and
dropping the padded rows' outputs) keeps one shape, so each network traces
once; the outputs of the real rows are those of ``model.predict``.
"""

import numpy as np

__all__ = ["predict_in_full_batches"]


def predict_in_full_batches(model, X, *, batch_size, **kwargs):
    """``model.predict(X)`` with every batch, the last included, of ``batch_size`` rows.

    Parameters
    ----------
    model : keras.Model
        The network.
    X : ndarray of shape (n_samples, ...)
        Its input.
    batch_size : int
        Rows per batch.
    **kwargs
        Passed to ``model.predict`` (e.g. ``verbose=0``).

    Returns
    -------
    ndarray of shape (n_samples, ...)
        The outputs of the ``n_samples`` rows.

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from skcxr.classifier._predict import predict_in_full_batches
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> X = np.random.RandomState(0).rand(13, 3).astype("float32")
    >>> out = predict_in_full_batches(model, X, batch_size=8, verbose=0)
    >>> out.shape, bool(np.allclose(out, model.predict(X, batch_size=8, verbose=0), atol=1e-6))
    ((13, 2), True)
    """
    X = np.asarray(X)
    n = len(X)
    pad = (-n) % batch_size if n else 0  # no rows: Keras' own error
    if pad:
        X = np.concatenate([X, np.repeat(X[-1:], pad, axis=0)])
    return model.predict(X, batch_size=batch_size, **kwargs)[:n]
