"""Tests for skcxr.plotting (Agg backend; assert what is drawn, not just that it ran)."""

import importlib.util
import shutil
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

from skcxr.plotting import (  # noqa: E402
    model_summary,
    plot_confusion_matrix,
    plot_history,
    plot_model,
    plot_roc_curve,
    plot_search_results,
)

C, N = "covid", "non-covid"
HISTORY = {
    "loss": [0.69, 0.55, 0.41, 0.35],
    "accuracy": [0.52, 0.71, 0.80, 0.85],
    "val_loss": [0.70, 0.60, 0.52, 0.50],
    "val_accuracy": [0.50, 0.64, 0.73, 0.75],
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class _FakeClassifier:
    """Stands in for a fitted CXRClassifier: has fit, history_ and (optionally) model_."""

    def __init__(self, history=None, model=None):
        if history is not None:
            self.history_ = history
        if model is not None:
            self.model_ = model

    def fit(self, X, y):
        return self


def test_plot_history_draws_train_and_validation_curves():
    fig = plot_history(HISTORY)
    assert len(fig.axes) == 2
    for panel, metric in zip(fig.axes, ["loss", "accuracy"]):
        assert panel.get_ylabel() == metric
        assert panel.get_xlabel() == "epoch"
        assert [line.get_label() for line in panel.lines] == ["train", "validation"]
        train, val = panel.lines
        np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4])
        np.testing.assert_allclose(train.get_ydata(), HISTORY[metric])
        np.testing.assert_allclose(val.get_ydata(), HISTORY[f"val_{metric}"])
        legend = [t.get_text() for t in panel.get_legend().get_texts()]
        assert legend == ["train", "validation"]


def test_plot_history_without_validation_and_single_metric():
    history = {"loss": [1.0, 0.5], "auc": [0.6, 0.7]}
    fig = plot_history(history, metrics="auc")
    (panel,) = fig.axes
    assert len(panel.lines) == 1
    np.testing.assert_allclose(panel.lines[0].get_ydata(), [0.6, 0.7])


def test_plot_history_into_given_axes_and_from_estimator_or_pipeline():
    fig, axes = plt.subplots(2, 1)
    out = plot_history(HISTORY, ax=axes)
    assert out is fig
    assert [len(a.lines) for a in axes] == [2, 2]
    fake = _FakeClassifier(history=HISTORY)
    pipe = Pipeline([("identity", FunctionTransformer()), ("clf", fake)])
    for source in (fake, pipe):
        fig = plot_history(source, metrics=["loss"])
        np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), HISTORY["val_loss"])

    class _KerasHistory:  # keras.callbacks.History keeps the dict in .history
        history = HISTORY

    assert len(plot_history(_KerasHistory()).axes) == 2


def test_plot_history_errors():
    with pytest.raises(ValueError, match=r"\['auc'\] are not in the history.*\['accuracy', 'loss'\]"):
        plot_history(HISTORY, metrics=("loss", "auc"))
    with pytest.raises(ValueError, match="ax holds 1 Axes but 2 metrics"):
        plot_history(HISTORY, ax=plt.subplots()[1])
    with pytest.raises(ValueError, match="empty"):
        plot_history({"loss": []}, metrics="loss")
    with pytest.raises(NotFittedError, match="history_"):
        plot_history(_FakeClassifier())
    with pytest.raises(TypeError, match="dict of per-epoch lists"):
        plot_history([0.1, 0.2])


def test_plot_confusion_matrix_counts_and_labels():
    y_true = [C] * 4 + [N] * 6
    y_pred = [C, C, C, N] + [N, N, N, N, C, C]
    display = plot_confusion_matrix(y_true, y_pred)
    assert display.confusion_matrix.tolist() == [[3, 1], [2, 4]]
    ax = display.ax_
    assert [t.get_text() for t in ax.get_xticklabels()] == [C, N]
    assert sorted(t.get_text() for t in display.text_.ravel()) == ["1", "2", "3", "4"]
    assert ax.get_title() == "Confusion matrix (10 images)"  # names the data by default
    shares = plot_confusion_matrix(y_true, y_pred, normalize="true", labels=[N, C],
                                   title="held-out patients (10 images)")
    np.testing.assert_allclose(shares.confusion_matrix, [[4 / 6, 2 / 6], [1 / 4, 3 / 4]])
    assert shares.ax_.get_title() == "held-out patients (10 images)"


def test_plot_roc_curve_uses_positive_class_scores():
    rng = np.random.RandomState(0)
    y_true = np.where(rng.rand(60) < 0.5, C, N)
    p_covid = np.clip((y_true == C) * 0.4 + rng.rand(60) * 0.6, 0, 1)
    expected = roc_auc_score(y_true == C, p_covid)
    display = plot_roc_curve(y_true, p_covid, name="CNN")
    assert display.roc_auc == pytest.approx(expected)
    labels = [line.get_label() for line in display.ax_.get_lines()]
    assert any(label.startswith("CNN") and "AUC" in label for label in labels)
    assert len(display.ax_.get_lines()) == 2  # curve + chance level
    assert display.ax_.get_title() == "ROC curve of covid (60 images)"
    # predict_proba with columns [non-covid, covid] gives the same curve
    proba = np.column_stack([1 - p_covid, p_covid])
    display2 = plot_roc_curve(y_true, proba, classes=[N, C], plot_chance_level=False,
                              title="site A")
    assert display2.ax_.get_title() == "site A"
    assert display2.roc_auc == pytest.approx(expected)
    np.testing.assert_allclose(display2.tpr, display.tpr)
    assert len(display2.ax_.get_lines()) == 1
    with pytest.raises(ValueError, match="classes=estimator.classes_"):
        plot_roc_curve(y_true, proba)


def test_plot_search_results_zooms_to_the_candidates_best_first():
    results = {
        "params": [{"clf__C": c, "clf__penalty": "l2"} for c in (0.01, 0.1, 1.0)],
        "mean_test_roc_auc": [0.930, 0.940, 0.935],
        "std_test_roc_auc": [0.004, 0.003, 0.002],
        "rank_test_roc_auc": [3, 1, 2],
    }
    ax = plot_search_results(results, metric="roc_auc", title="3 values of C")
    low, high = ax.get_xlim()
    # 0.93 and 0.94 are far apart on this axis: it spans the candidates, not [0, 1]
    assert 0.90 < low < 0.926 and 0.944 < high < 0.96
    assert (0.940 - 0.930) / (high - low) > 0.3
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "C=0.1, penalty=l2", "C=1.0, penalty=l2", "C=0.01, penalty=l2"]
    points = ax.get_lines()[0]  # the dots (then the error bars' caps)
    np.testing.assert_allclose(points.get_xdata(), [0.940, 0.935, 0.930])  # best first
    assert ax.get_title() == "3 values of C"
    # never beyond [0, 1], and a wide spread is shown whole
    ax = plot_search_results({**results, "mean_test_roc_auc": [0.2, 0.99, 0.6]},
                             metric="roc_auc")
    assert ax.get_xlim()[1] == 1.0 and ax.get_xlim()[0] < 0.2 - 0.004
    with pytest.raises(ValueError, match=r"lacks.*holds: \['roc_auc'\]"):
        plot_search_results(results, metric="accuracy")


def test_model_summary_and_plot_model_errors_without_keras():
    with pytest.raises(NotFittedError, match="model_"):
        model_summary(_FakeClassifier())
    with pytest.raises(TypeError, match="keras Model"):
        model_summary("not a model")
    if importlib.util.find_spec("pydot") is None or shutil.which("dot") is None:
        with pytest.raises(ImportError, match="model_summary"):
            plot_model(_FakeClassifier(), "unused.png")


def test_model_summary_lists_keras_layers():
    keras = pytest.importorskip("keras")
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Conv2D(3, 3, name="conv_a"),
         keras.layers.Flatten(name="flat"), keras.layers.Dense(2, name="dense_out")]
    )
    expected_params = model.count_params()  # (3*3*1+1)*3 + (6*6*3+1)*2 = 30 + 218
    assert expected_params == 248
    fake = _FakeClassifier(model=model)
    pipe = Pipeline([("identity", FunctionTransformer()), ("clf", fake)])
    for source in (model, fake, pipe):
        text = model_summary(source)
        for name in ("conv_a", "flat", "dense_out"):
            assert name in text
        assert "Total params: 248" in text
    assert "Trainable" in model_summary(model, show_trainable=True)


def test_import_does_not_load_matplotlib_or_tensorflow():
    code = (
        "import sys, skcxr.plotting, skcxr.metrics; "
        "print(sorted(m for m in ('matplotlib', 'tensorflow', 'keras') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_plot_history_and_summary_of_a_fitted_scikeras_classifier():
    """The real contract: scikeras' history_ (with validation) and model_."""
    keras = pytest.importorskip("keras")
    scikeras_wrappers = pytest.importorskip("scikeras.wrappers")

    def build(meta):
        return keras.Sequential([
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(meta["n_classes_"], activation="softmax", name="probs"),
        ])

    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3)).astype("float32")
    y = np.where(X[:, 0] > 0, C, N)
    clf = scikeras_wrappers.KerasClassifier(
        build, loss="sparse_categorical_crossentropy", metrics=["accuracy"], epochs=3,
        batch_size=8, validation_split=0.25, verbose=0, random_state=0,
    ).fit(X, y)
    fig = plot_history(clf)
    for panel, metric in zip(fig.axes, ["loss", "accuracy"]):
        train, val = panel.lines
        np.testing.assert_allclose(train.get_ydata(), clf.history_[metric])
        np.testing.assert_allclose(val.get_ydata(), clf.history_[f"val_{metric}"])
        assert len(train.get_xdata()) == 3
    assert "probs" in model_summary(clf)


@pytest.mark.parametrize("name, args", [
    ("plot_history", (HISTORY,)),
    ("plot_confusion_matrix", ([C, N], [C, C])),
    ("plot_roc_curve", ([C, N], [0.9, 0.1])),
    ("plot_grad_cam", (np.zeros((1, 8, 8)), np.zeros((1, 8, 8)))),
])
def test_missing_matplotlib_names_the_function_and_the_plot_extra(monkeypatch, name, args):
    import skcxr.plotting

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(ImportError, match=rf"{name} requires matplotlib.*pip install skcxr\[plot\]"):
        getattr(skcxr.plotting, name)(*args)
