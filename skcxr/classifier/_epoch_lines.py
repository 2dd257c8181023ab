"""One line per epoch: a quieter Keras progress report, sklearn style."""

import sys
import time

import keras

from ..utils._progress import format_epoch_line

__all__ = ["EpochProgress"]


class EpochProgress(keras.callbacks.Callback):
    """Keras callback printing one line per finished epoch on stdout.

    Keras' ``verbose=1`` draws a bar per epoch and ``verbose=2`` two lines;
    with this callback (and ``verbose=0``) each epoch is one line,
    ``[CXRClassifier] epoch 3/20: loss 0.412, accuracy 0.800, val_loss ...
    (2.0 s)``, and early stopping says where it stopped. Pass the class (not an
    instance) to :class:`~skcxr.CXRClassifier` so that each fit gets a fresh
    one and a fitted pipeline pickles without it:
    ``CXRClassifier(callbacks=[EpochProgress])``.

    Parameters
    ----------
    name : str, default="CXRClassifier"
        Who trains, at the start of each line.
    stream : file-like, default=None
        Where to write; ``sys.stdout`` (looked up at each line) by default.

    Examples
    --------
    >>> import numpy as np
    >>> from skcxr import CXRClassifier
    >>> from skcxr.classifier import EpochProgress
    >>> X = np.random.RandomState(0).rand(8, 16, 16, 1)
    >>> clf = CXRClassifier("small_cnn", epochs=2, batch_size=4, augmentation=None,
    ...                     callbacks=[EpochProgress], random_state=0)
    >>> clf = clf.fit(X, ["covid", "non-covid"] * 4)  # doctest: +ELLIPSIS
    [CXRClassifier] epoch 1/2: loss ..., accuracy ... (... s)
    [CXRClassifier] epoch 2/2: loss ..., accuracy ... (... s)
    """

    def __init__(self, name="CXRClassifier", stream=None):
        super().__init__()
        self.name = name
        self.stream = stream

    def on_train_begin(self, logs=None):
        """Note the epochs planned.

        Parameters
        ----------
        logs : dict, default=None
            Keras' logs (unused).
        """
        self._epochs = self.params.get("epochs") if isinstance(self.params, dict) else None
        self._last_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        """Start the epoch's clock.

        Parameters
        ----------
        epoch : int
            The epoch, counted from 0.
        logs : dict, default=None
            Keras' logs (unused).
        """
        self._tic = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        """Print the epoch's line.

        Parameters
        ----------
        epoch : int
            The epoch, counted from 0.
        logs : dict, default=None
            Keras' logs of the epoch (``loss``, ``accuracy``, ``val_loss``, ...).
        """
        seconds = time.perf_counter() - getattr(self, "_tic", time.perf_counter())
        self._last_epoch = epoch + 1
        line = format_epoch_line(self.name, epoch + 1, self._epochs, logs, seconds)
        print(line, file=self.stream or sys.stdout, flush=True)

    def on_train_end(self, logs=None):
        """Say where early stopping stopped, and let go of the network.

        Parameters
        ----------
        logs : dict, default=None
            Keras' logs (unused).
        """
        stopped = self._last_epoch is not None and self._epochs and self._last_epoch < self._epochs
        if stopped and getattr(self.model, "stop_training", False):
            print(f"[{self.name}] stopped early after epoch {self._last_epoch}",
                  file=self.stream or sys.stdout, flush=True)
        self._model = None  # keep no reference to the network
