"""A fitted XRayEmbedder carries its backbone's weights: a saved pipeline predicts in a
fresh process without ``$SKCXR_WEIGHTS`` and without network; parameter constraints;
feature names without a network; progress lines."""

import os
import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skcxr import XRayLoader
from skcxr.features import XRayEmbedder, clear_feature_cache
from skcxr.features import _model

LAYER = "block_3_expand_relu"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Run in a fresh interpreter: no $SKCXR_WEIGHTS, an empty Keras cache, and any
# download attempt fails (no network), then predict with the saved model.
FRESH = textwrap.dedent("""
    import os, sys
    os.environ.pop("SKCXR_WEIGHTS", None)
    os.environ["KERAS_HOME"] = sys.argv[1]
    import numpy as np
    from skcxr.architectures import _weights

    def no_network(*args, **kwargs):
        raise OSError("no network in this test")

    _weights._download = no_network
    paths = sys.argv[4:]
    if sys.argv[2].endswith(".skops"):
        import skops.io as sio
        model = sio.load(sys.argv[2], trusted=sio.get_untrusted_types(file=sys.argv[2]))
    else:
        import joblib
        model = joblib.load(sys.argv[2])
    np.save(sys.argv[3], model.predict_proba(paths))
""")


def _pipeline():
    return Pipeline([
        ("loader", XRayLoader(size=(48, 48), dtype="uint8")),
        ("embedder", XRayEmbedder(layer=LAYER, pooling="avg+max", verbose=0)),
        ("scaler", StandardScaler()),
        ("classifier", LogisticRegression(max_iter=500)),
    ])


@pytest.fixture(scope="module")
def fitted(synthetic_table, weights_root):
    os.environ.setdefault("SKCXR_WEIGHTS", str(weights_root))
    table = synthetic_table.iloc[:16]
    pipe = _pipeline().fit(table["path"], table["label"])
    return pipe, list(table["path"]), pipe.predict_proba(table["path"])


@pytest.mark.parametrize("fmt", ["skops", pytest.param("joblib", marks=pytest.mark.slow)])
def test_saved_pipeline_predicts_in_a_fresh_process_without_weights(fitted, tmp_path, fmt):
    pipe, paths, expected = fitted
    model_path = tmp_path / f"model.{fmt}"
    if fmt == "skops":
        sio = pytest.importorskip("skops.io")
        sio.dump(pipe, model_path)
    else:
        joblib.dump(pipe, model_path)
    assert model_path.stat().st_size > 8_000_000  # MobileNetV2's 2.2 M float32 weights
    proba = _in_fresh_process(FRESH, model_path, paths, tmp_path)
    np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-6)


def _in_fresh_process(script, model_path, paths, tmp_path):
    """What ``script`` saves for ``model_path`` and ``paths``, run as FRESH describes."""
    (tmp_path / "keras").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "SKCXR_WEIGHTS"}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    out = tmp_path / "result.npy"
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "keras"), str(model_path), str(out),
         *paths], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return np.load(out, allow_pickle=True)


GATE_FRESH = FRESH.replace("model.predict_proba(paths)",
                           "model.check(paths)[['chest_xray', 'familiar']].to_numpy()")


def test_saved_applicability_gate_checks_in_a_fresh_process_without_weights(
        synthetic_table, weights_root, tmp_path):
    # the gate keeps its fitted embedder (embedder_): it carries the weights. Before, the
    # gate made a new embedder at each check, which looked for the weights file (skcxr
    # predict on a saved pretrained recipe tried to download MobileNetV2 and failed)
    from skcxr.applicability import ApplicabilityGate

    os.environ.setdefault("SKCXR_WEIGHTS", str(weights_root))
    gate = ApplicabilityGate(embedder=XRayEmbedder(layer=LAYER, pooling="avg", verbose=0),
                             size=48, n_synthetic=16, chest_threshold=0.5, random_state=0)
    table = synthetic_table.iloc[:24]
    gate.fit(table.iloc[:20])
    paths = list(table["path"].iloc[20:])
    expected = gate.check(paths)[["chest_xray", "familiar"]].to_numpy()
    sio = pytest.importorskip("skops.io")
    model_path = tmp_path / "gate.skops"
    sio.dump(gate, model_path)
    np.testing.assert_array_equal(_in_fresh_process(GATE_FRESH, model_path, paths, tmp_path),
                                  expected)


def test_carried_weights_are_checked_and_follow_the_parameters(fitted):
    pipe, paths, expected = fitted
    emb = pipe.named_steps["embedder"]
    state = emb.__getstate__()
    carried = state["_backbone_weights"]
    assert carried["backbone"] == "mobilenet_v2" and len(carried["sha256"]) == 64
    assert sum(a.size for a in carried["arrays"]) > 2_000_000
    again = pickle.loads(pickle.dumps(emb))
    assert again._weights_token() == "sha256:" + carried["sha256"]
    again.set_params(weights=None)  # other weights: the carried ones no longer apply
    assert again._weights_token() is None
    bad = dict(state, _backbone_weights=dict(carried, arrays=[a * 0 for a in carried["arrays"]]))
    with pytest.raises(ValueError, match="corrupt"):
        XRayEmbedder().__setstate__(bad)
    # unfitted, or random weights: the parameters only
    assert len(pickle.dumps(XRayEmbedder())) < 2000
    random = XRayEmbedder(weights=None, layer=LAYER, verbose=0).fit(np.zeros((1, 32, 32, 1)))
    assert len(pickle.dumps(random)) < 2000


def test_parameter_constraints_are_sklearns():
    X = np.zeros((1, 32, 32, 1), dtype="float32")
    for params in ({"batch_size": 0}, {"flip": "yes"}, {"cache": 2}, {"verbose": "loud"},
                   {"weights": 3}, {"layer": 5}):
        with pytest.raises(InvalidParameterError, match=list(params)[0]):
            XRayEmbedder(**{"weights": None, **params}).fit(X)
    assert "_validate_params" not in XRayEmbedder.__dict__  # sklearn's is not shadowed


def test_feature_names_need_no_network(monkeypatch):
    def no_model(key):
        raise AssertionError("built a network")

    emb = XRayEmbedder(layer=["block_13_expand_relu", "out_relu"], pooling=["avg+grid", "avg"])
    monkeypatch.setattr(_model, "feature_model", no_model)
    names = emb.get_feature_names_out()  # weights="imagenet" never resolved either
    assert len(names) == 5 * 576 + 1280 and names[576] == "block_13_expand_relu_grid_tl0"
    assert XRayEmbedder().get_feature_names_out()[-1] == "out_relu_avg1279"


def test_fitted_layout_gives_names_without_a_network(monkeypatch):
    emb = XRayEmbedder(weights=None, layer="block_3_project_BN", verbose=0)
    emb.fit(np.zeros((1, 32, 32, 1), dtype="float32"))
    expected = emb.get_feature_names_out()
    monkeypatch.setattr(_model, "feature_model", lambda key: 1 / 0)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(emb)).get_feature_names_out(),
                                  expected)
    assert len(expected) == emb.n_features_out_ == 32


def test_progress_lines_and_verbose_zero_is_silent(capsys, monkeypatch):
    from skcxr.features import _embedder

    monkeypatch.setattr(_embedder, "PROGRESS_MIN_IMAGES", 4)
    monkeypatch.setattr(_embedder, "PROGRESS_CHUNK", 3)
    X = np.random.RandomState(0).rand(9, 32, 32, 1).astype("float32")
    clear_feature_cache(models=False)
    XRayEmbedder(weights=None, layer=LAYER, batch_size=2).transform(X)
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split(" images")[0] for line in lines] == [
        "[XRayEmbedder] 3/9", "[XRayEmbedder] 6/9", "[XRayEmbedder] 9/9"]
    clear_feature_cache(models=False)
    XRayEmbedder(weights=None, layer=LAYER, verbose=0).transform(X)
    assert capsys.readouterr().err == ""
