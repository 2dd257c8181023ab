"""predict_in_full_batches: the outputs of model.predict, one trace per network."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from skcxr.classifier._predict import predict_in_full_batches  # noqa: E402


def test_one_trace_for_every_input_size_and_the_same_outputs():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3),
                              keras.layers.Flatten(), keras.layers.Dense(2)])
    X = np.random.RandomState(0).rand(29, 8, 8, 1).astype("float32")
    for n in (29, 13, 5, 8, 1):
        out = predict_in_full_batches(model, X[:n], batch_size=8, verbose=0)
        assert out.shape == (n, 2)
        np.testing.assert_allclose(out, model(X[:n], training=False), rtol=1e-5, atol=1e-6)
    # a partial last batch would trace Keras' predict function a second time;
    # with one shape it is traced once (the cause of the retracing warnings)
    assert model.predict_function.experimental_get_tracing_count() == 1
