"""XRayEmbedder: shapes, names, cache, pickling, image checks, grid search; the
pretrained pipeline."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skcxr import make_pretrained_pipeline
from skcxr.features import XRayEmbedder, clear_feature_cache, embedding_stats

LAYER = "block_3_expand_relu"  # 144 channels, cheap: keeps the tests fast


def embedder(**params):
    return XRayEmbedder(**{"weights": None, "layer": LAYER, **params})


def images(n=6, size=32, channels=1, seed=0):
    return np.random.RandomState(seed).rand(n, size, size, channels).astype("float32")


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_feature_cache(models=False)  # keep built models: they are the slow part
    yield


def test_shape_dtype_names_and_layers():
    X = images()
    F = embedder().fit_transform(X)
    assert F.shape == (6, 144) and F.dtype == np.float32 and np.isfinite(F).all()
    names = embedder().fit(X).get_feature_names_out()
    assert names.shape == (144,) and names[0] == f"{LAYER}_avg0" and names[-1] == f"{LAYER}_avg143"
    both = embedder(layer=[LAYER, "block_6_expand_relu"], pooling="avg+max").fit(X)
    assert both.n_features_out_ == 2 * (144 + 192)
    assert both.transform(X).shape == (6, 672)
    np.testing.assert_allclose(both.transform(X)[:, :144], F, rtol=1e-5)  # avg block first
    assert embedder(layer=None).fit(X).n_features_out_ == 1280  # out_relu


def test_grid_pooling_is_the_mean_of_each_quadrant_per_layer():
    import keras

    from skcxr.architectures import build_backbone
    from skcxr.classifier._runtime import seeded

    X = images(n=3, size=40)  # block_3 map 10 x 10; block_6 map 5 x 5 (odd: middle shared)
    with seeded(0):  # the embedder's random weights (weights=None) are drawn with seed 0
        base = build_backbone("mobilenet_v2", (None, None, 1), weights=None, pooling=None)
    maps = keras.Model(base.input, [base.get_layer(n).output
                                    for n in (LAYER, "block_6_expand_relu")]).predict(X, verbose=0)

    def quadrants(a, top, left):
        h, w = a.shape[1:3]
        return np.concatenate([a[:, rows, cols].mean((1, 2))
                               for rows in (slice(0, top), slice(h - top, h))
                               for cols in (slice(0, left), slice(w - left, w))], axis=1)

    emb = embedder(layer=[LAYER, "block_6_expand_relu"], pooling=["avg+grid", "grid"]).fit(X)
    F = emb.transform(X)
    assert F.shape == (3, 144 * 5 + 192 * 4) == (3, emb.n_features_out_)
    np.testing.assert_allclose(F[:, :144], maps[0].mean((1, 2)), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(F[:, 144:720], quadrants(maps[0], 5, 5), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(F[:, 720:], quadrants(maps[1], 3, 3), rtol=1e-4, atol=1e-6)
    names = emb.get_feature_names_out()
    assert names[144] == f"{LAYER}_grid_tl0" and names[144 + 3 * 144] == f"{LAYER}_grid_br0"
    assert names[-1] == "block_6_expand_relu_grid_br191" and len(set(names)) == len(names)
    # the pooling itself: mirroring a map (odd width too) swaps left and right cells exactly
    from skcxr.architectures._layers import GridAveragePooling2D

    a = np.random.RandomState(1).rand(2, 5, 7, 3).astype("float32")
    cells = np.asarray(GridAveragePooling2D()(a)).reshape(2, 4, 3)
    swapped = np.asarray(GridAveragePooling2D()(a[:, :, ::-1].copy())).reshape(2, 4, 3)
    np.testing.assert_allclose(swapped, cells[:, [1, 0, 3, 2]], rtol=1e-6)
    np.testing.assert_allclose(cells.reshape(2, 12), quadrants(a, 3, 4), rtol=1e-6)


def test_uint8_rgb_and_sizes():
    X = images(channels=3)
    u8 = np.round(X * 255).astype(np.uint8)
    np.testing.assert_allclose(embedder().transform(u8), embedder().transform(u8 / np.float32(255)),
                               rtol=1e-5, atol=1e-6)
    assert embedder().transform(images(n=2, size=48)).shape == (2, 144)  # any size


def test_flip_averages_the_mirror_image():
    X = images(n=3)
    plain, mirrored = embedder().transform(X), embedder().transform(X[:, :, ::-1].copy())
    np.testing.assert_allclose(embedder(flip=True).transform(X), (plain + mirrored) / 2,
                               rtol=1e-5, atol=1e-6)


def test_cache_counts_each_image_once_across_clones_and_pickles():
    X = images(n=5)
    emb = embedder()
    F = emb.transform(X)
    models = embedding_stats()["models"]
    assert embedding_stats()["embedded"] == 5
    np.testing.assert_array_equal(clone(emb).transform(X[[4, 0, 2]]), F[[4, 0, 2]])
    again = pickle.loads(pickle.dumps(emb))
    np.testing.assert_array_equal(again.transform(X), F)
    stats = embedding_stats()
    assert stats["embedded"] == 5 and stats["cache_hits"] == 8 and stats["cached_images"] == 5
    # a new image only is embedded; another configuration has its own entries
    emb.transform(np.concatenate([X, images(n=1, seed=9)]))
    assert embedding_stats()["embedded"] == 6
    embedder(flip=True).transform(X[:2])  # flip: other features, same model
    assert embedding_stats()["embedded"] == 8 and embedding_stats()["models"] == models
    embedder(cache=False).transform(X[:2])
    assert embedding_stats()["embedded"] == 10  # counted, not stored


def test_pickle_holds_no_keras_model():
    emb = embedder().fit(images())
    data = pickle.dumps(emb)
    assert len(data) < 1000 and b"keras" not in data
    assert pickle.loads(data).get_params() == emb.get_params()


@pytest.mark.parametrize("bad, match", [
    (np.zeros((2, 32, 32)), "add a channel axis"),
    (np.zeros((2, 32, 32, 2), "float32"), "1 \\(grayscale\\) or 3"),
    (np.full((2, 32, 32, 1), 3.0, "float32"), "in \\[0, 1\\]"),
    (np.zeros((2, 32, 32, 1), "int64"), "uint8 \\(0..255\\) or float"),
    (np.zeros((0, 32, 32, 1), "float32"), "0 images"),
])
def test_bad_images(bad, match):
    with pytest.raises(ValueError, match=match):
        embedder().fit(bad)


def test_bad_parameters():
    X = images(n=1)
    with pytest.raises(ValueError, match="no layer 'nope'.*Conv1"):
        embedder(layer="nope").fit(X)
    with pytest.raises(ValueError, match="unknown backbone"):
        XRayEmbedder(backbone="vgg99").fit(X)
    for bad in ("sum", "avg+sum", "avg+avg", "", None, ["avg", "avg"], ["avg+sum"]):
        with pytest.raises(ValueError, match="pooling"):
            embedder(pooling=bad).fit(X)
    with pytest.raises(ValueError, match=r"one value per layer \(1: \['block_3"):
        embedder(pooling=["avg", "max"]).fit(X)
    with pytest.raises(ValueError, match="batch_size"):
        embedder(batch_size=0).fit(X)


# ----------------------------------------------------- scikit-learn checks
# sklearn's checks run in tests/test_common.py (one list of expected failures);
# the image versions of its data-driven checks (fit returns self, subset /
# order invariance, fit_transform == transform, one sample) are here.
def test_adapted_checks_fit_returns_self_invariance_one_sample():
    X = images(n=4)
    emb = embedder()
    assert emb.fit(X) is emb and emb.get_params() == embedder().get_params()
    F = emb.fit_transform(X)
    np.testing.assert_array_equal(F, emb.transform(X))  # stateless
    np.testing.assert_array_equal(emb.transform(X[[3, 1]]), F[[3, 1]])  # subset / order
    assert emb.transform(X[:1]).shape == (1, 144)  # one sample
    assert emb.__sklearn_tags__().requires_fit is False
    np.testing.assert_array_equal(embedder().transform(X), F)  # unfitted transform works


def test_grid_search_over_the_head_embeds_each_image_once():
    X = np.concatenate([images(n=12, seed=1), images(n=12, seed=2) * 0.3])
    y = np.array(["covid"] * 12 + ["non-covid"] * 12)
    groups = np.arange(24) // 2
    pipe = Pipeline([("embedder", embedder()), ("scaler", StandardScaler()),
                     ("classifier", LogisticRegression(max_iter=500))])
    search = GridSearchCV(pipe, {"classifier__C": [0.01, 0.1, 1.0, 10.0]},
                          cv=StratifiedGroupKFold(3), scoring="roc_auc")
    search.fit(X, y, groups=groups)
    assert embedding_stats()["embedded"] == 24  # 4 candidates x 3 folds + refit, once each
    assert search.best_score_ > 0.9  # bright vs dark images: separable


def test_make_pretrained_pipeline_fits_on_paths(synthetic_table):
    table = synthetic_table.iloc[:24]
    model = make_pretrained_pipeline(loader__size=(32, 32), embedder__weights=None,
                                     embedder__layer=LAYER, embedder__pooling="avg",
                                     embedder__flip=False, gate=None, cv=3)
    assert list(model.estimator.named_steps) == [
        "loader", "normalizer", "embedder", "scaler", "classifier"]
    model.fit(table, table["label"])  # the table's patientid groups the threshold's inner CV
    proba = model.predict_proba(table["path"])
    assert proba.shape == (24, 2) and set(model.classes_) == {"covid", "non-covid"}
    # inner 3-fold CV + refit, every image through the network once
    assert embedding_stats()["embedded"] == 24
    assert 0 < model.best_threshold_ < 1
    assert make_pretrained_pipeline().get_params()["estimator__embedder__weights"] == "imagenet"


def test_recipes_feature_layouts():
    """The pretrained recipe pools block 13 globally and per quadrant; the multi-source
    recipe overrides the layers and must keep plain global averages (not inherit the
    per-layer pooling list)."""
    from skcxr import make_multisource_pipeline

    X = images(n=1, size=64)
    pre = make_pretrained_pipeline(embedder__weights=None).estimator.named_steps["embedder"].fit(X)
    assert pre.n_features_out_ == 5 * 576 + 1280 == 4160
    names = pre.get_feature_names_out()
    assert names[576] == "block_13_expand_relu_grid_tl0" and names[-1] == "out_relu_avg1279"
    multi = make_multisource_pipeline(embedder__weights=None)
    assert multi.get_params()["estimator__embedder__pooling"] == "avg"
    assert multi.estimator.named_steps["embedder"].fit(X).n_features_out_ == 192 + 576
