"""ImageNet backbones as architectures: build, train, freeze, scale, load weights."""

import pickle

import numpy as np
import pytest

from skcxr import CXRClassifier
from skcxr.architectures import (
    BACKBONES,
    WeightsError,
    backbone_blocks,
    build_backbone,
    get_architecture,
    list_architectures,
)

# MobileNetV2 with the shared ImageNet file, input REFERENCE_INPUT below,
# global-average-pooled out_relu features (1280): computed once with
# keras.applications.MobileNetV2(weights=<file>, pooling="avg") on the same
# input scaled to [-1, 1] and repeated to RGB.
REFERENCE_SUM = (249.11755, 267.88071)
REFERENCE_VALUES = {0: (0.35335755, 0.0), 1: (0.97992241, 1.26110673), 27: (5.6755905, 4.9430528)}


def reference_input():
    return np.linspace(0, 1, 2 * 64 * 64, dtype="float32").reshape(2, 64, 64, 1)


def tiny_data(n=8, size=32, channels=1):
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 0.3, size=(n, size, size, channels)).astype("float32")
    y = np.array(["covid", "non-covid"] * (n // 2))
    X[y == "covid", 8:24, 8:24] += 0.6
    return X, y


def test_backbones_are_registered():
    assert set(BACKBONES) <= set(list_architectures())
    assert set(BACKBONES) == {"mobilenet_v2", "densenet121", "efficientnet_b0", "resnet50"}


def fit_one_step(name):
    X, y = tiny_data()
    clf = CXRClassifier(name, architecture_params={"weights": None, "trainable_blocks": 1},
                        fc_units=(8,), epochs=1, batch_size=8, random_state=0)
    return clf.fit(X, y)


@pytest.fixture(scope="module")
def mobilenet_clf():
    return fit_one_step("mobilenet_v2")


@pytest.mark.parametrize("name", sorted(BACKBONES))
def test_every_backbone_builds_at_32px_and_trains_one_step(name, request):
    X, y = tiny_data()
    clf = request.getfixturevalue("mobilenet_clf") if name == "mobilenet_v2" else fit_one_step(name)
    assert len(clf.history_["loss"]) == 1 and np.isfinite(clf.history_["loss"][0])
    proba = clf.predict_proba(X)
    assert proba.shape == (8, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    model = clf.model_
    assert model.get_layer("backbone_input").output.shape[-1] == 3  # gray -> RGB inside
    # only the last block (and the head) train; BatchNormalization stays frozen
    trainable = {layer.name for layer in model.layers if layer.trainable and layer.weights}
    assert {"fc1", "logits"} <= trainable
    backbone = [layer for layer in model.layers
                if layer.name not in ("image", "backbone_input", "avg_pool", "fc1",
                                      "fc1_dropout", "logits", "probabilities")]
    last_key, last = backbone_blocks(name, backbone)[-1]
    assert trainable - {"fc1", "logits"} == {
        layer.name for layer in last
        if layer.weights and layer.__class__.__name__ != "BatchNormalization"}, last_key


def test_frozen_backbone_keeps_its_weights_and_batchnorm_statistics():
    X, y = tiny_data(channels=3)
    clf = CXRClassifier("mobilenet_v2", architecture_params={"weights": None}, fc_units=(),
                        epochs=2, batch_size=4, random_state=0)
    before = build_backbone("mobilenet_v2", (32, 32, 3), weights=None)
    clf.fit(X, y)
    trainable = [v.path for v in clf.model_.trainable_variables]
    assert trainable == ["logits/kernel", "logits/bias"]  # fc_units=(): logits on the features
    bn = clf.model_.get_layer("bn_Conv1")
    # moving statistics untouched by training: inference mode (still their init values)
    np.testing.assert_array_equal(np.asarray(bn.moving_mean), 0)
    np.testing.assert_array_equal(np.asarray(bn.moving_variance), 1)
    assert before.get_layer("bn_Conv1").trainable


def test_trainable_blocks_all_and_errors():
    model = get_architecture("mobilenet_v2")((32, 32, 1), 2, weights=None,
                                             trainable_blocks="all", train_batchnorm=True)
    assert model.get_layer("Conv1").trainable and model.get_layer("bn_Conv1").trainable
    blocks = backbone_blocks("mobilenet_v2", model.layers[2:-4])
    assert [key for key, _ in blocks][:3] == ["stem", "block_1", "block_2"]
    assert blocks[-1][0] == "top" and len(blocks) == 18
    with pytest.raises(ValueError, match="trainable_blocks must be"):
        get_architecture("mobilenet_v2")((32, 32, 1), 2, weights=None, trainable_blocks=-1)
    with pytest.raises(ValueError, match="at least 32x32"):
        get_architecture("mobilenet_v2")((16, 16, 1), 2, weights=None)
    with pytest.raises(ValueError, match="pooling"):
        build_backbone("mobilenet_v2", (32, 32, 1), pooling="sum")


@pytest.mark.parametrize("name, family", [("mobilenet_v2", "mobilenet_v2"),
                                          ("resnet50", "resnet50"),
                                          ("densenet121", "densenet")])
def test_backbone_input_matches_keras_preprocess_input(name, family):
    import importlib

    import keras

    from skcxr.architectures._layers import BackboneInput

    rng = np.random.RandomState(1)
    rgb = rng.rand(2, 8, 8, 3).astype("float32")
    module = importlib.import_module(f"keras.applications.{family}")
    expected = module.preprocess_input(rgb * 255.0)
    layer = BackboneInput(BACKBONES[name].mode)
    np.testing.assert_allclose(np.asarray(layer(rgb)), expected, rtol=1e-5, atol=1e-4)
    gray = rgb[..., :1]
    np.testing.assert_allclose(np.asarray(layer(gray)),
                               module.preprocess_input(np.repeat(gray, 3, -1) * 255.0),
                               rtol=1e-5, atol=1e-4)
    assert keras.saving.get_registered_object("skcxr>BackboneInput") is BackboneInput


def test_mobilenet_file_reproduces_the_reference_output(weights_root):
    path = weights_root / "mobilenet_v2_1.0_imagenet_notop.weights.h5"
    features = build_backbone("mobilenet_v2", (64, 64, 1), weights=path, pooling="avg")
    out = features.predict(reference_input(), verbose=0)
    assert out.shape == (2, 1280)
    np.testing.assert_allclose(out.sum(axis=1), REFERENCE_SUM, rtol=1e-4)
    for index, values in REFERENCE_VALUES.items():
        np.testing.assert_allclose(out[:, index], values, rtol=1e-4, atol=1e-6)


def test_mismatched_and_corrupt_weights_fail_clearly(tmp_path):
    import keras

    other = tmp_path / "densenet.weights.h5"
    keras.applications.DenseNet121(include_top=False, weights=None,
                                   input_shape=(32, 32, 3)).save_weights(other)
    with pytest.raises(WeightsError, match=r"densenet\.weights\.h5.*'mobilenet_v2'"):
        build_backbone("mobilenet_v2", (32, 32, 1), weights=other)
    corrupt = tmp_path / "corrupt.weights.h5"
    corrupt.write_bytes(b"\x89HDF garbage" * 10)
    with pytest.raises(WeightsError, match=r"corrupt\.weights\.h5.*'resnet50'"):
        build_backbone("resnet50", (32, 32, 1), weights=corrupt)


def test_fitted_backbone_classifier_pickles(tmp_path, mobilenet_clf):
    X, _ = tiny_data()
    clf = mobilenet_clf
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), rtol=1e-5)
    path = clf.save_model(tmp_path / "m.keras")
    import keras

    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), clf.predict_proba(X), rtol=1e-5)
