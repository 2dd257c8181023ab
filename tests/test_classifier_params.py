"""CXRClassifier's parameters and inputs (issue 11): keywords, constraints on every
training path, measured defaults, sample weights, labels, shapes, skops."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sklearn.base import clone  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402

from skcxr import CXRClassifier, XRayLoader, make_default_pipeline  # noqa: E402
from skcxr.pipeline import DEFAULT_PARAMS  # noqa: E402
from skcxr.preprocessing import XRayNormalizer  # noqa: E402

TINY = dict(architecture="small_cnn", epochs=1, batch_size=8, augmentation=False, random_state=0)


def images(n=16, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 0.4, size=(n, 32, 32, 1)).astype("float32")
    y = np.array(["covid", "non-covid"] * (n // 2))
    X[y == "covid", 8:24, 8:24] += 0.5
    return X, y


# ------------------------------------------------------------- item 3
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_sise": 4}, "unexpected keyword argument 'batch_sise'; did you mean 'batch_size'"),
        ({"epoch": 3}, "'epoch'; did you mean 'epochs'"),
        ({"learningrate": 0.1}, "did you mean 'learning_rate'"),
        ({"model__width": 3}, "does not read 'model__width'.*architecture_params"),
        ({"compile__jit_compile": True}, "does not read 'compile__jit_compile'"),
        ({"loss__from_logits": True}, "does not read 'loss__from_logits'.*loss is fixed"),
        ({"fit__batch_size": 4}, "instead of 'fit__batch_size' use batch_size="),
    ],
)
def test_unknown_or_unread_keywords_raise_type_error_at_fit(kwargs, match):
    X, y = images(8)
    clf = CXRClassifier(**{**TINY, **kwargs})  # stored as given, like any parameter
    assert clf.get_params()[next(iter(kwargs))] == next(iter(kwargs.values()))
    with pytest.raises(TypeError, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")  # refused before anything was built


@pytest.mark.parametrize("name", ["shuffle", "batch_size", "epochs", "callbacks", "x"])
def test_one_door_into_keras_fit(name):
    """fit(X, y, shuffle=True) and fit__shuffle=True get the same clear error."""
    X, y = images(8)
    with pytest.raises(TypeError, match=f"sets '{name}' of keras.Model.fit itself") as routed:
        CXRClassifier(**TINY, **{f"fit__{name}": 1}).fit(X, y)
    with pytest.raises(TypeError, match=f"sets '{name}' of keras.Model.fit itself") as direct:
        CXRClassifier(**TINY).fit(X, y, **{name: 1})
    assert f"fit(..., {name}=...)" in str(direct.value)
    with pytest.raises(TypeError, match=f"sets '{name}'"):
        CXRClassifier(**TINY).partial_fit(X, y, **{name: 1})
    assert str(routed.value).split(";")[0] == str(direct.value).split(";")[0]


def test_fit_keywords_reach_keras_like_routed_ones():
    X, y = images(8)
    direct = CXRClassifier(**TINY).fit(X, y, validation_freq=1)
    routed = CXRClassifier(**TINY, fit__validation_freq=1).fit(X, y)
    np.testing.assert_array_equal(direct.predict_proba(X), routed.predict_proba(X))


def test_zero_images_get_a_clear_error():
    """Papercut: fit on nothing said 'Sample weights must contain at least one non-zero number'."""
    empty = np.zeros((0, 32, 32, 1), "float32")
    with pytest.raises(ValueError, match="cannot fit on 0 images"):
        CXRClassifier(**TINY).fit(empty, np.array([], dtype=str))
    X, y = images(8)
    clf = CXRClassifier(**TINY).fit(X, y)
    with pytest.raises(ValueError, match="got 0 images"):
        clf.predict(empty)


def test_read_routed_keywords_survive_get_params_clone_and_set_params():
    clf = CXRClassifier(optimizer__beta_1=0.8, fit__validation_freq=2, predict__batch_size=4)
    params = clone(clf).get_params()
    assert (params["optimizer__beta_1"], params["fit__validation_freq"]) == (0.8, 2)
    clf.set_params(optimizer__beta_2=0.9, epochs=2)
    assert clf.get_params()["optimizer__beta_2"] == 0.9
    with pytest.raises(ValueError, match="'batch_sise'; did you mean 'batch_size'"):
        clf.set_params(batch_sise=4)
    with pytest.raises(ValueError, match="does not read 'model__width'"):
        clf.set_params(model__width=4)
    pipe = make_default_pipeline()
    with pytest.raises(ValueError, match="did you mean 'epochs'"):
        pipe.set_params(classifier__epoch=3)


# ------------------------------------------------------------ item 12
def test_constraints_declared_for_every_named_parameter():
    named = set(CXRClassifier._named_params())
    assert set(CXRClassifier._parameter_constraints) == named
    for cls in (XRayLoader, XRayNormalizer):
        assert set(cls._parameter_constraints) == set(cls().get_params())


@pytest.mark.parametrize("method", ["fit", "partial_fit", "initialize"])
@pytest.mark.parametrize(
    "params, match",
    [
        ({"epochs": 0}, r"'epochs' parameter of CXRClassifier must be an int in the range \[1, inf\)"),
        ({"learning_rate": -1.0}, r"'learning_rate' parameter .* range \(0.0, inf\)"),
        ({"class_weight": "heavy"}, "'class_weight' parameter .*'balanced'"),
        ({"augmentation": {"spin": 3}}, r"unknown keys \['spin'\]"),
        ({"early_stopping": 2}, "validation_split > 0"),
    ],
)
def test_every_training_path_validates(method, params, match):
    X, y = images(8)
    clf = CXRClassifier(**{**TINY, **params})
    with pytest.raises(ValueError, match=match) as info:
        getattr(clf, method)(X, y)
    if "parameter" in match:
        assert isinstance(info.value, InvalidParameterError)
    assert not hasattr(clf, "model_")  # refused before anything was built


def test_preprocessing_constraints_name_the_parameter():
    with pytest.raises(InvalidParameterError, match="'resize' parameter of XRayLoader"):
        XRayLoader(resize="fit").fit(["a.png"])
    with pytest.raises(InvalidParameterError, match="'clip_limit' parameter of XRayNormalizer"):
        XRayNormalizer(clip_limit=2.0).fit(np.zeros((1, 8, 8, 1)))


# ------------------------------------------------------------- item 4
def test_initialize_is_seeded():
    X, y = images(8)
    a = CXRClassifier(**TINY).initialize(X, y).model_.get_weights()
    b = CXRClassifier(**TINY).initialize(X, y).model_.get_weights()
    c = CXRClassifier(**{**TINY, "random_state": 1}).initialize(X, y).model_.get_weights()
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not all(np.array_equal(u, v) for u, v in zip(a, c))


def test_partial_fit_is_seeded_and_augments():
    X, y = images(16)

    def run(**params):
        clf = CXRClassifier(**{**TINY, **params})
        for _ in range(2):
            clf.partial_fit(X, y)
        return clf

    first, again = run(), run()
    np.testing.assert_array_equal(first.predict_proba(X), again.predict_proba(X))
    assert len(first.history_["loss"]) == 2 and first.random_seed_ == 0
    augmented = run(augmentation=True)  # scikeras' partial_fit skipped it silently
    assert not np.array_equal(augmented.predict_proba(X), first.predict_proba(X))


# ------------------------------------------------------------- item 2
def test_sample_weight_is_not_modified_and_integer_weights_work():
    X, y = images(16)
    weights = np.arange(1, 17)  # int64: scikeras' in-place *= crashed on the cast
    before = weights.copy()
    y_unbalanced = np.where(np.arange(16) < 4, "covid", "non-covid")
    clf = CXRClassifier(**{**TINY, "class_weight": "balanced"})
    first = clf.fit(X, y_unbalanced, sample_weight=weights).predict_proba(X)
    np.testing.assert_array_equal(weights, before)
    float_weights = before.astype(float)
    second = clone(clf).fit(X, y_unbalanced, sample_weight=float_weights).predict_proba(X)
    np.testing.assert_array_equal(float_weights, before)  # a second fit does not double-weight
    np.testing.assert_array_equal(first, second)
    clf.partial_fit(X, y_unbalanced, sample_weight=float_weights)
    np.testing.assert_array_equal(float_weights, before)


# ------------------------------------------------------------- item 8
def test_predict_proba_of_one_image_keeps_two_dimensions():
    X, y = images(8)
    clf = CXRClassifier(**TINY).fit(X, y)
    assert clf.predict_proba(X[:1]).shape == (1, 2)
    assert clf.predict(X[:1]).shape == (1,)
    np.testing.assert_array_equal(clf.predict_proba(X[:1])[0], clf.predict_proba(X)[0])


# ------------------------------------------------------------- item 9
@pytest.mark.parametrize(
    "y, match",
    [
        (np.array([0.0, 1.0, np.nan, 1.0] * 2), r"2 missing label\(s\) \(None or NaN\) at position\(s\) \[2, 6\]"),
        (["covid", None, "non-covid", "covid"] * 2, r"2 missing label\(s\).*\[1, 5\]"),
        (np.eye(2)[[0, 1] * 4], r"y must be 1-D.*shape \(8, 2\).*one-hot.*argmax"),
    ],
)
def test_bad_labels_get_clear_messages(y, match):
    X, _ = images(8)
    with pytest.raises(ValueError, match=match):
        CXRClassifier(**TINY).fit(X, y)


def test_ragged_image_list_names_the_odd_image():
    X, y = images(4)
    ragged = [X[0], X[1], X[2, :30], X[3]]
    with pytest.raises(ValueError, match=r"image 0 is \(32, 32, 1\) but image 2 is \(30, 32, 1\).*XRayLoader"):
        CXRClassifier(**TINY).fit(ragged, y)


# ------------------------------------------------------------ item 14
def test_class_defaults_are_the_measured_defaults():
    for step, cls in (("loader", XRayLoader), ("normalizer", XRayNormalizer), ("classifier", CXRClassifier)):
        params = cls().get_params()
        assert {k: params[k] for k in DEFAULT_PARAMS[step]} == DEFAULT_PARAMS[step], step
    bare = Pipeline([("loader", XRayLoader()), ("normalizer", XRayNormalizer()),
                     ("classifier", CXRClassifier())])
    assert repr(bare.get_params()) == repr(make_default_pipeline().get_params())


def test_n_features_in_is_not_the_image_height():
    X, y = images(8)
    clf = CXRClassifier(**TINY).fit(X, y)
    assert not hasattr(clf, "n_features_in_")  # scikeras set it to X.shape[1] == 32
    assert clf.X_shape_[1:] == (32, 32, 1)


def test_default_dropout_reaches_builtins_and_custom_builders_work():
    X, y = images(8)
    clf = CXRClassifier("small_cnn", augmentation=False).initialize(X, y)
    assert clf.model_.get_layer("fc1_dropout").rate == 0.3

    def plain(input_shape, n_classes):
        inputs = keras.Input(input_shape)
        x = keras.layers.GlobalAveragePooling2D()(inputs)
        return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax")(x))

    assert CXRClassifier(plain).initialize(X, y).model_.output_shape == (None, 2)
    with pytest.raises(ValueError, match="takes no 'dropout' argument.*dropout=None"):
        CXRClassifier(plain, dropout=0.5).initialize(X, y)


# ------------------------------------------------------------ item 11
def test_skops_round_trip_of_a_fitted_pipeline(tmp_path):
    sio = pytest.importorskip("skops.io")
    X, y = images(8)
    pipe = Pipeline([("normalizer", XRayNormalizer(method="hist")),
                     ("classifier", CXRClassifier(**TINY))]).fit(X, y)
    path = tmp_path / "pipe.skops"
    sio.dump(pipe, path)  # RecursionError on the Keras model before
    untrusted = sio.get_untrusted_types(file=path)
    assert all(t.startswith(("skcxr.", "scikeras.", "numpy.dtype")) for t in untrusted), untrusted
    loaded = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    assert loaded.named_steps["classifier"].history_ == pipe.named_steps["classifier"].history_
