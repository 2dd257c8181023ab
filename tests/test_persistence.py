"""skcxr.save_model / skcxr.load_model: skops files, trusting skcxr's own types only."""

import pickle
import zipfile

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

import skcxr
from skcxr import UntrustedTypesError, load_model, save_model
from skcxr._persistence import describe_model_file, trusted_model_types


def _flatten(X):
    return np.asarray(X).reshape(len(X), -1)


@pytest.fixture(scope="module")
def fitted(synthetic_table):
    """The default pipeline, tiny (32 px, a small CNN, one epoch), fitted on 24 synthetic images."""
    table = synthetic_table.iloc[:24]
    pipe = skcxr.make_default_pipeline(
        loader__size=(32, 32), classifier__architecture="small_cnn", classifier__epochs=1,
        classifier__augmentation=None, classifier__verbose=0, classifier__random_state=0)
    return pipe.fit(table["path"], table["label"]), table


def test_round_trip_trusts_skcxr_types_without_being_told(fitted, tmp_path):
    """skcxr's, scikeras' and numpy's types, and the Keras network inside CXRClassifier."""
    pipe, table = fitted
    path = save_model(pipe, tmp_path / "model.skops")
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict_proba(table["path"]),
                               pipe.predict_proba(table["path"]), rtol=1e-5)
    assert list(loaded.classes_) == ["covid", "non-covid"]
    assert loaded.named_steps["classifier"].history_ == pipe.named_steps["classifier"].history_


def test_a_foreign_type_is_refused_with_its_name_and_the_way_to_trust_it(tmp_path):
    foreign = make_pipeline(FunctionTransformer(_flatten), StandardScaler())
    path = save_model(foreign, tmp_path / "foreign.skops")
    name = f"{__name__}._flatten"
    with pytest.raises(UntrustedTypesError, match="does not trust") as info:
        load_model(path)
    assert info.value.types == [name]
    assert f"trusted=[{name!r}]" in str(info.value)
    loaded = load_model(path, trusted=[name])  # explicit trust
    assert loaded.steps[0][1].func is _flatten


def test_trusted_types_are_computed_classes_never_functions():
    ours = ["skcxr.preprocessing._loader.XRayLoader", "skcxr.classifier._classifier.CXRClassifier",
            "scikeras.utils.transformers.ClassifierLabelEncoder", "numpy.dtype",
            "numpy.float32", "sklearn.linear_model._logistic.LogisticRegression",
            "sklearn.model_selection._classification_threshold.FixedThresholdClassifier",
            "scipy.sparse._csr.csr_matrix", "sklearn.model_selection._split.StratifiedGroupKFold"]
    others = ["builtins.eval", "os.system", "numpy.save", "numpy.load", "skcxr.save_model",
              "skcxr._persistence.os.system", "skcxr.no_such_thing", "numpy.memmap",
              "keras.src.layers.core.lambda_layer.Lambda", "mypackage.Estimator"]
    trusted, untrusted = trusted_model_types(ours + others)
    assert trusted == ours and untrusted == others


def test_a_pickle_is_refused_and_not_unpickled(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "model.joblib"
    path.write_bytes(pickle.dumps(_WritesMarker(marker)))
    with pytest.raises(ValueError, match="not a skops file .a pickle or joblib file"):
        load_model(path)
    assert not marker.exists()


def test_other_files_are_named(tmp_path):
    keras_file = tmp_path / "model.keras"
    with zipfile.ZipFile(keras_file, "w") as archive:
        archive.writestr("config.json", "{}")
    assert "Keras model archive" in describe_model_file(keras_file)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert describe_model_file(text) == "neither a skops file nor a pickle"
    with pytest.raises(FileNotFoundError, match="no model file at .*missing.skops"):
        load_model(tmp_path / "missing.skops")


class _WritesMarker:
    """Unpickling it writes a file: what a malicious model file could do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (_touch, (self.marker,))


def _touch(path):
    with open(path, "w") as f:
        f.write("code ran")
