"""Architecture registry, entry-point discovery and the built-in builders."""

import pickle
import sys
import textwrap

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from skcxr.architectures import (  # noqa: E402
    _registry,
    five_block,
    get_architecture,
    list_architectures,
    register_architecture,
    small_cnn,
)


@pytest.fixture
def isolated_registry(monkeypatch):
    """Registrations and entry-point discoveries made by a test stay in it."""
    monkeypatch.setattr(_registry, "_REGISTRY", dict(_registry._REGISTRY))
    monkeypatch.setattr(_registry, "_ENTRY_POINTS", None)
    yield _registry._REGISTRY


def _layers(model, cls):
    return [layer for layer in model.layers if type(layer) is cls]


# ------------------------------------------------------------------ five_block
def test_five_block_matches_the_study():
    model = five_block((150, 150, 1), 2)
    layers = keras.layers
    convs = _layers(model, layers.Conv2D)
    assert [(c.filters, c.kernel_size, c.padding) for c in convs] == [(16, (3, 3), "same")] * 2
    seps = _layers(model, layers.SeparableConv2D)
    assert [s.filters for s in seps] == [32, 32, 64, 64, 128, 128, 256, 256]
    assert all(s.kernel_size == (3, 3) and s.padding == "same" for s in seps)
    assert all(c.activation.__name__ == "relu" for c in convs + seps)
    assert len(_layers(model, layers.BatchNormalization)) == 4
    assert [p.pool_size for p in _layers(model, layers.MaxPooling2D)] == [(2, 2)] * 5
    dense = _layers(model, layers.Dense)
    assert [d.units for d in dense] == [512, 128, 64, 2]
    drops = {d.name: d.rate for d in _layers(model, layers.Dropout)}
    assert drops == {
        "block4_dropout": 0.2, "block5_dropout": 0.2,
        "fc1_dropout": 0.7, "fc2_dropout": 0.5, "fc3_dropout": 0.3,
    }
    names = [layer.name for layer in model.layers]
    # Dropout 0.2 follows blocks 4 and 5; Flatten precedes the head.
    assert names.index("block4_dropout") == names.index("block4_pool") + 1
    assert names.index("flatten") == names.index("block5_dropout") + 1
    # Two output nodes: logits, then a softmax.
    assert model.output_shape == (None, 2)
    assert model.get_layer("probabilities").activation.__name__ == "softmax"
    assert model.count_params() == 2_314_114


def test_five_block_is_flat_with_a_findable_last_conv_layer():
    model = five_block((64, 64, 3), 2)
    assert not any(isinstance(layer, keras.Model) for layer in model.layers)
    conv_types = (keras.layers.Conv2D, keras.layers.SeparableConv2D)
    last_conv = [layer for layer in model.layers if isinstance(layer, conv_types)][-1]
    assert last_conv.name == "block5_sepconv2"
    assert model.get_layer("logits").units == 2


@pytest.mark.parametrize("shape", [(32, 32, 1), (32, 32, 3), (45, 71, 1), (150, 150, 3)])
def test_five_block_any_size_from_32_and_1_or_3_channels(shape):
    model = five_block(shape, 2, fc_units=8)
    proba = np.asarray(model(np.zeros((2, *shape), dtype="float32")))
    assert proba.shape == (2, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


@pytest.mark.parametrize(
    "shape, match",
    [((31, 64, 1), "at least 32x32"), ((64, 64, 2), "1 \\(grayscale\\) or 3"), ((64, 64), "height, width, channels")],
)
def test_five_block_rejects_bad_input_shapes(shape, match):
    with pytest.raises(ValueError, match=match):
        five_block(shape, 2)


def test_five_block_head_hyperparameters():
    model = five_block((32, 32, 1), 3, fc_units=64)
    assert [d.units for d in _layers(model, keras.layers.Dense)] == [64, 3]
    assert model.get_layer("fc1_dropout").rate == 0.7  # the study's first rate
    model = five_block((32, 32, 1), 2, fc_units=(256, 32), dropout=(0.1, 0.2), conv_dropout=0.0)
    assert [model.get_layer(f"fc{i}_dropout").rate for i in (1, 2)] == [0.1, 0.2]
    assert model.get_layer("block5_dropout").rate == 0.0
    model = five_block((32, 32, 1), 2, fc_units=(8, 8, 8, 8), dropout=0.4)
    assert [model.get_layer(f"fc{i}_dropout").rate for i in range(1, 5)] == [0.4] * 4
    with pytest.raises(ValueError, match="one rate per dense layer"):
        five_block((32, 32, 1), 2, fc_units=(64, 32), dropout=(0.5,))
    with pytest.raises(ValueError, match="fc_units"):
        five_block((32, 32, 1), 2, fc_units=(64, 0))
    with pytest.raises(ValueError, match="dropout rates"):
        five_block((32, 32, 1), 2, fc_units=8, dropout=1.5)


def test_five_block_batchnorm_momentum():
    model = five_block((32, 32, 1), 2)
    assert {model.get_layer(f"block{b}_bn").momentum for b in range(2, 6)} == {0.9}
    model = five_block((32, 32, 1), 2, bn_momentum=0.99)  # Keras' default, the study's
    assert {model.get_layer(f"block{b}_bn").momentum for b in range(2, 6)} == {0.99}
    with pytest.raises(ValueError, match="bn_momentum"):
        five_block((32, 32, 1), 2, bn_momentum=1.0)


def test_small_cnn():
    model = small_cnn((32, 32, 1), 2)
    assert [layer.name for layer in _layers(model, keras.layers.Conv2D)] == ["conv1", "conv2"]
    assert model.output_shape == (None, 2)
    assert model.count_params() < 5_000
    with pytest.raises(ValueError, match="at least 8x8"):
        small_cnn((4, 4, 1), 2)


# -------------------------------------------------------------------- registry
def test_builtins_are_listed_and_found():
    assert {"five_block", "small_cnn"} <= set(list_architectures())
    assert get_architecture("five_block") is five_block
    assert get_architecture(small_cnn) is small_cnn  # callables pass through


def test_register_as_decorator_and_duplicate_names(isolated_registry):
    @register_architecture("tiny")
    def tiny(input_shape, n_classes):
        return small_cnn(input_shape, n_classes, filters=(2,))

    assert get_architecture("tiny") is tiny
    assert "tiny" in list_architectures()
    register_architecture("tiny", tiny)  # re-registering the same builder is harmless
    with pytest.raises(ValueError, match=r"'tiny' is already registered.*Registered: \[.*'five_block'"):
        register_architecture("tiny", small_cnn)
    with pytest.raises(ValueError, match="already registered"):
        register_architecture("five_block")(lambda shape, n: None)
    register_architecture("tiny", small_cnn, overwrite=True)
    assert get_architecture("tiny") is small_cnn
    with pytest.raises(TypeError, match="callable"):
        register_architecture("bad", 42)
    with pytest.raises(ValueError, match="non-empty string"):
        register_architecture("")


def test_unknown_name_lists_available(isolated_registry):
    with pytest.raises(ValueError, match=r"unknown architecture 'resnet9000'.*'five_block'.*'small_cnn'"):
        get_architecture("resnet9000")


# ---------------------------------------------------------------- entry points
PLUGIN = '''
import keras
from skcxr.architectures import small_cnn


@keras.saving.register_keras_serializable(package="skcxr_test_plugin")
class Invert(keras.layers.Layer):
    """A custom layer: pickling needs it to be registered serializable."""

    def call(self, x):
        return 1.0 - x


def plugin_net(input_shape, n_classes, *, width=4):
    inputs = keras.Input(input_shape, name="image")
    x = Invert(name="invert")(inputs)
    x = keras.layers.Conv2D(width, 3, padding="same", activation="relu", name="conv1")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    logits = keras.layers.Dense(n_classes, name="logits")(x)
    outputs = keras.layers.Activation("softmax", name="probabilities")(logits)
    return keras.Model(inputs, outputs, name="plugin_net")
'''


@pytest.fixture
def plugin_path(tmp_path, monkeypatch, isolated_registry):
    """An installed distribution declaring two skcxr.architectures entry points."""
    (tmp_path / "skcxr_test_plugin.py").write_text(PLUGIN)
    info = tmp_path / "skcxr_test_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: skcxr-test-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [skcxr.architectures]
            plugin_net = skcxr_test_plugin:plugin_net
            broken_net = skcxr_test_plugin_missing:net
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "skcxr_test_plugin", raising=False)
    yield tmp_path
    sys.modules.pop("skcxr_test_plugin", None)


def test_entry_points_are_listed_lazily_and_loaded_on_demand(plugin_path):
    names = list_architectures()
    assert {"plugin_net", "broken_net", "five_block"} <= set(names)
    assert "skcxr_test_plugin" not in sys.modules  # listed without importing
    builder = get_architecture("plugin_net")
    assert "skcxr_test_plugin" in sys.modules
    assert builder.__name__ == "plugin_net"
    assert builder((32, 32, 1), 2, width=2).get_layer("conv1").filters == 2
    assert get_architecture("plugin_net") is builder  # now registered


def test_broken_entry_point_names_itself(plugin_path):
    with pytest.raises(ImportError, match="'broken_net'.*skcxr_test_plugin_missing:net"):
        get_architecture("broken_net")


def test_plugin_with_custom_layer_pickles_inside_classifier(plugin_path):
    from skcxr import CXRClassifier

    rng = np.random.RandomState(0)
    X = rng.rand(6, 32, 32, 1).astype("float32")
    y = np.array(["covid", "non-covid"] * 3)
    clf = CXRClassifier("plugin_net", architecture_params={"width": 3}).initialize(X, y)
    assert clf.model_.get_layer("conv1").filters == 3
    restored = pickle.loads(pickle.dumps(clf))
    assert type(restored.model_.get_layer("invert")).__name__ == "Invert"
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
