"""Tests for skcxr.explain (grad_cam, lung_focus, central_mask) and plotting.plot_grad_cam.

The main test trains a small CNN on 48 px images whose class signal sits in a
known region: positives carry a 12x12 checkerboard "lesion" only in the
lower-right quadrant; every image carries 4-12 small 4x4 checkerboard
distractors anywhere. Pixel by pixel (what a first 3x3 convolution sees) the
lesion and the distractors look alike; only a deeper layer can tell a large
patch from small ones, so Grad-CAM at the right layer for the right class
puts its mass in the quadrant, while the first layer or the other class does
not.
"""

import os
import runpy
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from skcxr.explain import central_mask, find_conv_layers, grad_cam, lung_focus

SIZE = 48
REPO = Path(__file__).resolve().parents[1]


def make_quadrant_images(n, rng):
    """Images (n, 48, 48, 1) in [0, 1], labels, and the signal region (lower right)."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    checker = ((yy + xx) % 2).astype(np.float32)
    X = rng.normal(0.25, 0.04, size=(n, SIZE, SIZE)).astype(np.float32)
    y = np.array(["covid", "non-covid"] * (n // 2))
    for i in range(n):
        for _ in range(rng.randint(4, 13)):
            r, c = rng.randint(1, SIZE - 5, size=2)
            X[i, r:r + 4, c:c + 4] = 0.25 + 0.5 * checker[:4, :4]
        if y[i] == "covid":
            r, c = rng.randint(SIZE // 2 + 1, SIZE - 13, size=2)
            X[i, r:r + 12, c:c + 12] = 0.25 + 0.5 * checker[:12, :12]
    region = np.zeros((SIZE, SIZE), dtype=bool)
    region[SIZE // 2:, SIZE // 2:] = True
    return np.clip(X, 0, 1)[..., np.newaxis], y, region


@pytest.fixture(scope="module")
def trained():
    """A small CNN trained on quadrant images, and held-out images."""
    from skcxr import CXRClassifier

    rng = np.random.RandomState(1)
    X, y, region = make_quadrant_images(240, rng)
    X_test, y_test, _ = make_quadrant_images(40, rng)
    clf = CXRClassifier(
        "small_cnn", architecture_params={"filters": (8, 16, 32)}, epochs=20,
        batch_size=16, learning_rate=3e-3, random_state=1,
        augmentation=None,  # shifts move the signal; 20 epochs learn it reliably without
    ).fit(X, y)
    return clf, X_test, y_test, region


@pytest.fixture(scope="module")
def positives(trained):
    clf, X_test, y_test, region = trained
    correct = clf.predict(X_test) == y_test
    assert correct.mean() >= 0.9, "the network did not learn the quadrant task"
    return X_test[correct & (y_test == "covid")]


def test_heatmaps_fall_in_the_signal_region(trained, positives):
    clf, _, _, region = trained
    chance = region.mean()  # 0.25
    focus = lung_focus(grad_cam(clf, positives), region)
    assert len(focus) >= 15
    assert np.median(focus) > 0.8 and focus.mean() > 0.7, focus
    assert (focus > 0.5).mean() >= 0.9, focus
    assert focus.mean() > chance + 0.4


def test_wrong_class_or_wrong_layer_is_detected(trained, positives):
    clf, _, _, region = trained
    right = np.nanmean(lung_focus(grad_cam(clf, positives), region))
    # evidence for "non-covid" in covid images: not the lesion
    other = lung_focus(grad_cam(clf, positives, class_name="non-covid"), region)
    assert np.nanmean(other) < 0.35 and right - np.nanmean(other) > 0.4, (right, other)
    # the first convolution sees distractors and lesion alike
    first = np.nanmean(lung_focus(grad_cam(clf, positives, layer="conv1"), region))
    assert right - first > 0.1, (right, first)


def test_matches_a_per_image_reference(trained, positives):
    """Default layer = last conv, gradients of the class logit, image by image."""
    import keras
    import tensorflow as tf

    clf, _, _, _ = trained
    model = clf.model_
    X = positives[:5]
    for layer_name, cls in (("conv3", "covid"), ("conv2", "non-covid")):
        index = list(clf.classes_).index(cls)
        sub = keras.Model(model.input, [model.get_layer(layer_name).output,
                                         model.get_layer("logits").output])
        expected = []
        for image in X:
            with tf.GradientTape() as tape:
                acts, logits = sub(image[np.newaxis], training=False)
                score = logits[0, index]
            grads = tape.gradient(score, acts).numpy()[0]
            cam = np.maximum((acts.numpy()[0] * grads.mean(axis=(0, 1))).sum(-1), 0)
            cam = tf.image.resize(cam[..., None], (SIZE, SIZE)).numpy()[..., 0]
            expected.append(cam / cam.max() if cam.max() > 0 else cam)
        layer = None if layer_name == "conv3" else layer_name
        got = grad_cam(clf, X, class_name=cls, layer=layer, batch_size=2)
        np.testing.assert_allclose(got, np.array(expected), atol=1e-4)


def test_range_shape_determinism_and_dtypes(trained):
    clf, X_test, _, _ = trained
    maps = grad_cam(clf, X_test, batch_size=7)
    assert maps.shape == (len(X_test), SIZE, SIZE) and maps.dtype == np.float32
    assert maps.min() >= 0 and maps.max() <= 1
    nonzero = maps.reshape(len(maps), -1).max(axis=1) > 0
    np.testing.assert_allclose(maps.reshape(len(maps), -1).max(axis=1)[nonzero], 1.0)
    np.testing.assert_array_equal(maps, grad_cam(clf, X_test, batch_size=7))
    np.testing.assert_allclose(maps, grad_cam(clf, X_test, batch_size=40), atol=1e-5)
    as_uint8 = np.round(X_test * 255).astype(np.uint8)
    np.testing.assert_allclose(
        grad_cam(clf, as_uint8), grad_cam(clf, as_uint8.astype(np.float32) / 255), atol=1e-6
    )
    assert grad_cam(clf, X_test[:0]).shape == (0, SIZE, SIZE)


def test_pipeline_with_paths(trained, tmp_path):
    from sklearn.pipeline import make_pipeline

    from skcxr import XRayLoader

    clf, X_test, _, _ = trained
    paths = []
    for i, image in enumerate(X_test[:6]):
        path = tmp_path / f"img{i}.png"
        Image.fromarray(np.round(image[..., 0] * 255).astype(np.uint8)).save(path)
        paths.append(str(path))
    loader = XRayLoader(size=(SIZE, SIZE))
    pipe = make_pipeline(loader, clf)
    np.testing.assert_array_equal(
        grad_cam(pipe, paths), grad_cam(clf, loader.fit_transform(paths))
    )


def test_errors(trained):
    from sklearn.exceptions import NotFittedError

    from skcxr import CXRClassifier

    clf, X_test, _, _ = trained
    classes = r"\['covid', 'non-covid'\]"
    with pytest.raises(ValueError, match=r"unknown class_name 'pneumonia'.*" + classes):
        grad_cam(clf, X_test[:2], class_name="pneumonia")
    with pytest.raises(ValueError, match=r"no layer 'conv9'.*\['conv1', 'conv2', 'conv3'\]"):
        grad_cam(clf, X_test[:2], layer="conv9")
    with pytest.raises(ValueError, match="'logits' has output shape"):
        grad_cam(clf, X_test[:2], layer="logits")
    with pytest.raises(ValueError, match=r"expects images of shape \(n, 48, 48, 1\)"):
        grad_cam(clf, np.zeros((2, 32, 32, 1), np.float32))
    with pytest.raises(ValueError, match="batch_size"):
        grad_cam(clf, X_test[:2], batch_size=0)
    with pytest.raises(NotFittedError):
        grad_cam(CXRClassifier("small_cnn"), X_test[:2])


def test_any_architecture_last_conv_and_softmax_dense_head():
    """five_block's last conv is found; a head without a 'logits' layer still works."""
    import keras
    from keras import layers

    from skcxr import CXRClassifier
    from skcxr.architectures import five_block
    from skcxr.explain._grad_cam import _target_layer

    assert _target_layer(five_block((64, 64, 1), 2), None).name == "block5_sepconv2"

    def tiny(input_shape, n_classes):
        inputs = keras.Input(input_shape)
        x = layers.Conv2D(4, 3, padding="same", activation="relu", name="c1")(inputs)
        x = layers.DepthwiseConv2D(3, padding="same", activation="relu", name="dw")(x)
        x = layers.BatchNormalization(name="bn")(x)
        x = layers.Flatten()(x)
        x = layers.Dense(8, activation="relu")(x)
        return keras.Model(inputs, layers.Dense(n_classes, activation="softmax", name="out")(x))

    rng = np.random.RandomState(0)
    X = rng.rand(16, 16, 16, 1).astype(np.float32)
    clf = CXRClassifier(tiny, epochs=1, random_state=0).fit(X, ["covid", "non-covid"] * 8)
    assert find_conv_layers(clf.model_) == ["c1", "dw"]
    maps = grad_cam(clf, X[:4])
    # reference: logits rebuilt from the dense layer's input, at layer "dw"
    import tensorflow as tf

    out = clf.model_.get_layer("out")
    sub = keras.Model(clf.model_.input, [clf.model_.get_layer("dw").output, out.input])
    with tf.GradientTape() as tape:
        acts, hidden = sub(X[:4], training=False)
        score = (hidden @ out.kernel + out.bias)[:, 0]
    grads = tape.gradient(score, acts)
    cam = tf.nn.relu(tf.reduce_sum(tf.reduce_mean(grads, (1, 2), keepdims=True) * acts, -1))
    cam = cam.numpy()
    peak = cam.max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(maps, np.divide(cam, peak, out=np.zeros_like(cam), where=peak > 0),
                               atol=1e-5)


def test_lung_focus_and_central_mask():
    heat = np.zeros((3, 10, 10))
    heat[0, 4:6, 4:6] = 1.0      # all inside
    heat[1, 0, 0] = 2.0          # all outside
    heat[2] = 1.0                # uniform: the area share
    mask = central_mask((10, 10), margin=0.2)
    assert mask.sum() == 36 and mask[2:8, 2:8].all()
    np.testing.assert_allclose(lung_focus(heat, mask), [1.0, 0.0, 0.36])
    assert lung_focus(heat[0], mask) == 1.0
    per_image = np.stack([mask, ~mask, mask]).astype(int)
    np.testing.assert_allclose(lung_focus(heat, per_image), [1.0, 1.0, 0.36])
    assert np.isnan(lung_focus(np.zeros((4, 4)), np.ones((4, 4), bool)))
    assert central_mask((100, 50), margin=(0.1, 0.2)).sum() == 80 * 30
    with pytest.raises(ValueError, match="does not fit"):
        lung_focus(heat, mask[:5])
    with pytest.raises(ValueError, match="non-negative"):
        lung_focus(-heat, mask)
    with pytest.raises(ValueError, match="0 and 1"):
        lung_focus(heat, mask * 2)
    with pytest.raises(ValueError, match="margin"):
        central_mask((10, 10), margin=0.5)


def test_plot_grad_cam():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skcxr.plotting import plot_grad_cam

    rng = np.random.RandomState(0)
    images, heat = rng.rand(5, 20, 20, 1), rng.rand(5, 20, 20)
    fig = plot_grad_cam(images, heat, probabilities=[0.1, 0.2, 0.3, 0.4, 0.951],
                        titles=list("abcde"), ncols=3, alpha=0.5, cmap="magma")
    assert len(fig.axes) == 6 and not fig.axes[5].get_visible()
    assert fig.axes[4].get_title() == "e\np = 0.951"
    base, overlay = fig.axes[0].get_images()
    np.testing.assert_allclose(base.get_array(), images[0, ..., 0])
    np.testing.assert_allclose(overlay.get_array(), heat[0])
    assert overlay.get_alpha() == 0.5 and overlay.get_cmap().name == "magma"
    plt.close(fig)
    with pytest.raises(ValueError, match="do not match"):
        plot_grad_cam(images, heat[:, :10])
    with pytest.raises(ValueError, match="4 probabilities for 5 images"):
        plot_grad_cam(images, heat, probabilities=[0.5] * 4)


def test_example_runs_quick(tmp_path, monkeypatch):
    """examples/plot_grad_cam.py on synthetic data, tiny setting, writes its figure."""
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.setenv("SKCXR_EXAMPLE_QUICK", "1")
    module = runpy.run_path(str(REPO / "examples" / "plot_grad_cam.py"), run_name="example")
    result = module["main"](["--output-dir", str(tmp_path)])
    figures = sorted(p.name for p in tmp_path.glob("*.png"))
    assert figures == ["grad_cam_correct.png", "grad_cam_wrong.png"] or figures == [
        "grad_cam_correct.png"
    ]
    assert 0 <= result["central_focus"] <= 1
    assert result["chance"] == central_mask((64, 64)).mean()
    assert result["n_correct"] + result["n_wrong"] >= 10
    assert os.path.getsize(tmp_path / "grad_cam_correct.png") > 5000
