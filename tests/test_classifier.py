"""CXRClassifier on tiny in-memory images: labels, seeding, inputs, params, persistence."""

import pickle
import random

import joblib
import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import StratifiedKFold, check_cv  # noqa: E402
from sklearn.utils.class_weight import compute_class_weight  # noqa: E402

from skcxr import CXRClassifier  # noqa: E402
from skcxr.classifier._augment import (  # noqa: E402
    augment_batch, check_augmentation, draw_transforms, training_dataset)
from skcxr.classifier._inputs import split_validation  # noqa: E402


def make_squares(n=48, size=32, channels=1, seed=0):
    """Noisy images; "covid" ones carry a bright central square."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 0.3, size=(n, size, size, channels)).astype("float32")
    y = np.array(["covid", "non-covid"] * (n // 2))
    q = size // 4
    X[y == "covid", q:-q, q:-q] += 0.6
    return X, y


# The class defaults are the measured full-size ones (augmentation, balanced
# weights); unit tests switch augmentation off unless they test it.
FAST = dict(architecture="small_cnn", epochs=3, batch_size=8, learning_rate=1e-2,
            augmentation=False, class_weight=None)


@pytest.fixture(scope="module")
def squares():
    return make_squares()


@pytest.fixture(scope="module")
def fitted(squares):
    X, y = squares
    return CXRClassifier(**dict(FAST, epochs=4), validation_split=0.25, random_state=0).fit(X, y)


def tf_determinism():
    from tensorflow.python.framework import config

    return config.is_op_determinism_enabled()


# ----------------------------------------------------------- sklearn identity
def test_is_a_real_classifier():
    clf = CXRClassifier()
    assert is_classifier(clf)
    y = np.array(["covid", "non-covid"] * 10)
    assert isinstance(check_cv(5, y, classifier=is_classifier(clf)), StratifiedKFold)
    tags = clf.__sklearn_tags__()
    assert tags.estimator_type == "classifier" and tags.classifier_tags is not None
    assert tags.target_tags.required and not tags.input_tags.two_d_array


# ------------------------------------------------------ labels and predictions
def test_string_labels_classes_and_probabilities(fitted, squares):
    X, y = squares
    assert list(fitted.classes_) == ["covid", "non-covid"]
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), 2) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(fitted.predict(X), fitted.classes_[proba.argmax(axis=1)])
    # The bright square is learnt: the covid column ranks covid images first.
    assert fitted.score(X, y) >= 0.9
    assert proba[y == "covid", 0].min() > proba[y == "non-covid", 0].max() - 0.2


def test_history_per_epoch(fitted):
    assert set(fitted.history_) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 4 for v in fitted.history_.values())
    assert fitted.history_["loss"][-1] < fitted.history_["loss"][0]


def test_validation_split_is_stratified_and_seeded():
    y = np.repeat([0.0, 1.0], [30, 10])  # sorted: Keras' tail split would be one class
    train, val = split_validation(y, 0.2, seed=0)
    assert len(val) == 8 and sorted(np.r_[train, val]) == list(range(40))
    assert (y[val] == 1).sum() == 2  # class ratio kept
    np.testing.assert_array_equal(split_validation(y, 0.2, seed=0)[1], val)
    assert not np.array_equal(np.sort(split_validation(y, 0.2, seed=1)[1]), np.sort(val))
    # A class too small to stratify falls back to a plain shuffled split.
    assert len(split_validation(np.r_[np.zeros(9), 1.0], 0.2, seed=0)[1]) == 2


def test_early_stopping_stops_and_needs_validation(squares):
    X, y = squares
    # A learning rate too small to move float32 weights: val_loss never improves.
    clf = CXRClassifier(
        "small_cnn", epochs=20, batch_size=16, learning_rate=1e-12,
        validation_split=0.25, early_stopping=2, random_state=0,
    ).fit(X, y)
    assert len(clf.history_["loss"]) == 3  # best epoch + patience
    with pytest.raises(ValueError, match="validation_split > 0"):
        CXRClassifier("small_cnn", early_stopping=2).fit(X, y)


# ------------------------------------------------------------------- seeding
def test_same_random_state_same_predictions_and_state_restored(squares):
    X, y = squares
    before = tf_determinism()
    np.random.seed(123)
    expected_next = np.random.rand()
    random.seed(7)
    expected_py = random.random()
    np.random.seed(123)
    random.seed(7)
    a = CXRClassifier(**dict(FAST, augmentation=True), random_state=5).fit(X, y)
    assert np.random.rand() == expected_next and random.random() == expected_py
    b = CXRClassifier(**dict(FAST, augmentation=True), random_state=5).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.random_seed_ == 5
    c = CXRClassifier(**dict(FAST, augmentation=True), random_state=6).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))
    assert tf_determinism() == before  # scikeras would have left it on


def test_fit_without_random_state_after_seeded_fit(squares):
    X, y = squares
    CXRClassifier(**FAST, random_state=0).fit(X, y)
    d = CXRClassifier(**FAST).fit(X, y)  # scikeras' leaked determinism made this fail
    e = CXRClassifier(**FAST).fit(X, y)
    assert d.random_seed_ != e.random_seed_
    assert not np.array_equal(d.predict_proba(X), e.predict_proba(X))
    # None follows NumPy's global generator, as in scikit-learn.
    np.random.seed(3)
    f = CXRClassifier(**FAST).fit(X, y)
    np.random.seed(3)
    g = CXRClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(f.predict_proba(X), g.predict_proba(X))
    h = CXRClassifier(**FAST, random_state=np.random.RandomState(0)).fit(X, y)
    assert isinstance(h.random_seed_, int)


# -------------------------------------------------------------------- inputs
def test_uint8_and_float_inputs_agree(squares):
    X, y = squares
    X8 = np.round(X / X.max() * 255).astype(np.uint8)
    Xf = X8.astype(np.float32) / np.float32(255)
    a = CXRClassifier(**FAST, random_state=1).fit(X8, y)
    b = CXRClassifier(**FAST, random_state=1).fit(Xf, y)
    assert a.input_dtype_ == np.uint8 and b.input_dtype_ == np.float32
    np.testing.assert_array_equal(a.predict_proba(X8), b.predict_proba(Xf))
    np.testing.assert_array_equal(b.predict_proba(X8), b.predict_proba(Xf))
    rgb = np.repeat(X8[:8], 3, axis=-1)
    assert CXRClassifier(**dict(FAST, epochs=1)).fit(rgb, y[:8]).predict_proba(rgb).shape == (8, 2)


@pytest.mark.parametrize(
    "X, match",
    [
        (np.zeros((4, 32, 32)), r"4-D array.*\(4, 32, 32\).*np.newaxis"),
        (np.zeros((4, 1024)), r"4-D array.*\(4, 1024\)"),
        (np.full((4, 32, 32, 1), 255.0), r"float images in \[0, 1\].*255"),
        (np.zeros((4, 32, 32, 1), dtype=np.int16), "uint8.*int16"),
        (np.full((4, 32, 32, 1), np.nan), "NaN"),
        (np.zeros((4, 16, 16, 1)), "at least 8x8|at least 32x32"),
        (np.zeros((4, 32, 32, 2)), "1 \\(grayscale\\) or 3"),
    ],
)
def test_bad_images_raise_clear_errors(X, match):
    y = ["covid", "non-covid"] * 2
    with pytest.raises(ValueError, match=match):
        CXRClassifier("five_block", epochs=1).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"epochs": 0}, r"'epochs' parameter of CXRClassifier must be an int in the range \[1, inf\)"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"validation_split": 1.0}, "validation_split"),
        ({"class_weight": "heavy"}, "class_weight"),
        ({"architecture": "nope"}, "unknown architecture 'nope'.*five_block"),
        ({"architecture_params": 3}, "architecture_params"),
        ({"augmentation": {"spin": 3}}, "unknown keys \\['spin'\\]"),
        ({"augmentation": {"rotation": 400}}, "rotation"),
        ({"optimizer": "nope"}, "unknown optimizer 'nope'"),
        ({"optimizer": 3}, "'optimizer' parameter .* 'str'.*Got 3"),
        ({"random_state": -1}, "random_state"),
    ],
)
def test_bad_params_raise_clear_errors(params, match, squares):
    X, y = squares
    with pytest.raises(ValueError, match=match):
        CXRClassifier(**{"architecture": "small_cnn", **params}).fit(X[:8], y[:8])


def test_one_class_and_unfitted_errors(squares):
    X, y = squares
    with pytest.raises(ValueError, match="at least two classes"):
        CXRClassifier("small_cnn").fit(X[:4], ["covid"] * 4)
    with pytest.raises(NotFittedError):
        CXRClassifier().predict_proba(X)
    with pytest.raises(NotFittedError):
        CXRClassifier().save_model("model.keras")


# ---------------------------------------------------------------- parameters
def test_class_weight_balanced_is_applied(squares):
    X, y = squares
    idx = np.r_[np.flatnonzero(y == "covid")[:6], np.flatnonzero(y == "non-covid")]
    Xi, yi = X[idx], y[idx]
    weights = compute_class_weight("balanced", classes=np.unique(yi), y=yi)
    explicit = dict(zip(np.unique(yi), weights))
    kw = dict(FAST, epochs=1, random_state=0)
    del kw["class_weight"]
    balanced = CXRClassifier(**kw, class_weight="balanced").fit(Xi, yi).predict_proba(Xi)
    manual = CXRClassifier(**kw, class_weight=explicit).fit(Xi, yi).predict_proba(Xi)
    plain = CXRClassifier(**kw, class_weight=None).fit(Xi, yi).predict_proba(Xi)
    np.testing.assert_allclose(balanced, manual, rtol=1e-6)
    assert not np.allclose(balanced, plain)


def test_optimizer_forms_and_routed_params(squares):
    X, y = squares
    Xs, ys = X[:4], y[:4]
    for opt, cls in [("sgd", keras.optimizers.SGD), (keras.optimizers.RMSprop, keras.optimizers.RMSprop)]:
        model = CXRClassifier("small_cnn", optimizer=opt, learning_rate=0.05).initialize(Xs, ys).model_
        assert isinstance(model.optimizer, cls)
        assert np.isclose(float(model.optimizer.learning_rate), 0.05)
    given = keras.optimizers.Adam(beta_1=0.5)
    clf = CXRClassifier("small_cnn", optimizer=given, learning_rate=0.02).initialize(Xs, ys)
    assert clf.model_.optimizer is not given and clf.model_.optimizer.beta_1 == 0.5
    routed = CXRClassifier("small_cnn", optimizer__beta_1=0.8)
    assert routed.get_params()["optimizer__beta_1"] == 0.8
    assert clone(routed).initialize(Xs, ys).model_.optimizer.beta_1 == 0.8


def test_architecture_hyperparameters_reach_the_builder(squares):
    X, y = squares
    clf = CXRClassifier(fc_units=(32, 8), dropout=0.1).initialize(X[:4], y[:4])
    assert [clf.model_.get_layer(n).units for n in ("fc1", "fc2", "logits")] == [32, 8, 2]
    assert clf.model_.get_layer("fc2_dropout").rate == 0.1
    clf = CXRClassifier("small_cnn", architecture_params={"filters": (4,)}).initialize(X[:4], y[:4])
    assert clf.model_.get_layer("conv1").filters == 4


def test_augmentation_transforms_are_seeded_and_in_range():
    spec = check_augmentation(True)
    assert spec["rotation"] > 0 and spec["zoom"] > 0 and spec["shift"] > 0
    assert check_augmentation(False) is None and check_augmentation({"rotation": 0}) is None
    a = draw_transforms(spec, (40, 60), 500, np.random.RandomState(3))
    np.testing.assert_array_equal(a, draw_transforms(spec, (40, 60), 500, np.random.RandomState(3)))
    assert not np.array_equal(a, draw_transforms(spec, (40, 60), 500, np.random.RandomState(4)))
    scale = np.hypot(a[:, 0], a[:, 1])
    angle = np.degrees(np.arctan2(a[:, 1], a[:, 0]))
    assert 0.9 <= scale.min() < 0.95 and 1.05 < scale.max() <= 1.1
    assert -10 <= angle.min() < -9 and 9 < angle.max() <= 10
    np.testing.assert_array_equal(a[:, 3], -a[:, 1])  # a rotation and one scale: no shear
    np.testing.assert_array_equal(a[:, 6:], 0)
    shift = draw_transforms({"rotation": 0.0, "zoom": 0.0, "shift": 0.05}, (40, 60), 500,
                            np.random.RandomState(0))
    np.testing.assert_array_equal(shift[:, [0, 4]], 1)
    assert 2.5 < np.abs(shift[:, 2]).max() <= 3 and 1.5 < np.abs(shift[:, 5]).max() <= 2


def test_augment_batch_moves_pixels_as_the_matrix_says(squares):
    X, _ = squares
    batch = X[:2].astype(np.float32)
    identity = np.tile(np.array([1, 0, 0, 0, 1, 0, 0, 0], np.float32), (2, 1))
    np.testing.assert_array_equal(np.asarray(augment_batch(batch, identity)), batch)
    moved = identity.copy()
    moved[:, 2] = -3  # output x reads input x - 3: content moves 3 px right, black enters
    out = np.asarray(augment_batch(batch, moved))
    np.testing.assert_array_equal(out[:, :, 3:], batch[:, :, :-3])
    np.testing.assert_array_equal(out[:, :, :3], 0)


def test_augmented_batches_are_the_same_in_every_run(squares):
    X, y = squares
    spec = check_augmentation(True)

    def batches(augment_seed):
        data, steps = training_dataset(X, y, None, batch_size=8, epochs=2, seed=1,
                                       augment=spec, augment_seed=augment_seed)
        return steps, [np.asarray(x) for x, _ in data]

    steps, first = batches(7)
    assert steps == -(-len(X) // 8) and len(first) == 2 * steps
    again = batches(7)[1]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    other = batches(8)[1]
    assert not np.array_equal(first[0], other[0])
    plain = [np.asarray(x) for x, _ in training_dataset(X, y, None, batch_size=8, epochs=2,
                                                         seed=1)[0]]
    assert not np.allclose(first[0], plain[0])  # augmented, and from the same images
    assert first[0].shape == plain[0].shape and first[0].dtype == np.float32


def test_augmentation_changes_training_not_prediction(squares):
    X, y = squares
    plain = CXRClassifier(**FAST, random_state=0).fit(X, y)
    augmented = CXRClassifier(**dict(FAST, augmentation={"rotation": 15, "shift": 0.1}),
                              random_state=0).fit(X, y)
    assert not np.array_equal(plain.predict_proba(X), augmented.predict_proba(X))
    np.testing.assert_array_equal(augmented.predict_proba(X), augmented.predict_proba(X))
    assert not any("random" in layer.name for layer in augmented.model_.layers)


# --------------------------------------------------------------- persistence
def test_clone_keeps_params_and_drops_fit(fitted):
    twin = clone(fitted)
    assert twin.get_params() == fitted.get_params()
    assert not hasattr(twin, "model_")


def test_pickle_and_joblib_round_trip(fitted, squares, tmp_path):
    X, _ = squares
    expected = fitted.predict_proba(X)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    joblib.dump(fitted, tmp_path / "clf.joblib")
    loaded = joblib.load(tmp_path / "clf.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    assert loaded.history_ == fitted.history_ and list(loaded.classes_) == list(fitted.classes_)


@pytest.mark.parametrize("state", ["initialized", "fitted"])
def test_pickle_restores_the_optimizer_without_warnings(state, fitted, squares, recwarn):
    X, y = squares
    clf = fitted
    if state == "initialized":
        clf = CXRClassifier("five_block", epochs=1).initialize(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    messages = [str(w.message) for w in recwarn]
    assert not [m for m in messages if "optimizer" in m], messages
    assert len(restored.model_.optimizer.variables) == len(clf.model_.optimizer.variables) > 2


def test_save_model_to_keras_file(fitted, squares, tmp_path):
    X, _ = squares
    path = fitted.save_model(tmp_path / "cxr.keras")
    model = keras.models.load_model(path)
    np.testing.assert_allclose(model.predict(X, verbose=0), fitted.predict_proba(X), rtol=1e-6)
    with pytest.raises(ValueError, match="must end in .keras"):
        fitted.save_model(tmp_path / "cxr.h5")
