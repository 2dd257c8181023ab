"""``CXRClassifier(distribute=...)``: one fit on several devices (issue 14, part 2).

TensorFlow's devices are fixed when its runtime starts, so the training runs
in a fresh subprocess that first splits the CPU into two logical devices
(``tf.config.set_logical_device_configuration``) and then trains with
``MirroredStrategy`` over both. The parameter checks and clone rules run here.
"""

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sklearn.base import clone

from skcxr import CXRClassifier

REPO = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import json, pickle, warnings
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    from sklearn.base import clone
    from skcxr import CXRClassifier

    rng = np.random.RandomState(0)
    X = rng.uniform(0, 0.2, size=(40, 32, 32, 1)).astype("float32")
    y = np.array(["covid", "non-covid"] * 20)
    X[y == "covid", 8:24, 8:24] += 0.6

    class Batches(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.count = 0
        def on_train_batch_end(self, batch, logs=None):
            self.count += 1

    def fit(distribute, seed=0, callbacks=None):
        # dropout=0.0: the replicas share one dropout seed state and draw from
        # it in the order they reach it, so with dropout two seeded runs differ
        # (2 of 3 reruns, measured); docs/scaling.rst says so
        clf = CXRClassifier("small_cnn", epochs=3, batch_size=8, random_state=seed,
                            distribute=distribute, callbacks=callbacks, dropout=0.0)
        return clf.fit(X, y)

    counter = Batches()
    a = fit("mirrored", callbacks=[counter])
    b = fit("mirrored")
    other_seed = fit("mirrored", seed=1)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    c = fit(strategy)
    pa, pb, pc = a.predict_proba(X), b.predict_proba(X), c.predict_proba(X)
    restored = pickle.loads(pickle.dumps(a))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        restored_c = pickle.loads(pickle.dumps(c))
    print("RESULT " + json.dumps({
        "replicas": a.model_.distribute_strategy.num_replicas_in_sync,
        "instance_replicas": c.model_.distribute_strategy.num_replicas_in_sync,
        "batches_per_epoch": counter.count,
        "same_seed_equal": bool(np.array_equal(pa, pb)),
        "other_seed_differs": bool(not np.array_equal(pa, other_seed.predict_proba(X))),
        "instance_equals_string": bool(np.array_equal(pa, pc)),
        "instance_max_diff": float(np.max(np.abs(pa - pc))),
        "accuracy": float((a.predict(X) == y).mean()),
        "loss": a.history_["loss"],
        "pickled_equal": bool(np.array_equal(restored.predict_proba(X), pa)),
        "pickled_distribute": restored.distribute,
        "pickled_instance_equal": bool(np.array_equal(restored_c.predict_proba(X), pc)),
        "pickled_instance_distribute": restored_c.distribute,
        "pickle_warning": [str(w.message) for w in caught if "pickled" in str(w.message)],
        "clone_keeps_instance": clone(c).distribute is strategy,
    }))
    """
)


@pytest.fixture(scope="module")
def mirrored_run():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(REPO),
               SKCXR_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            env=env, cwd=REPO, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def test_mirrored_training_uses_both_devices_with_the_global_batch(mirrored_run):
    assert mirrored_run["replicas"] == 2
    assert mirrored_run["instance_replicas"] == 2
    # batch_size is global: 40 images / 8 = 5 steps per epoch (not 40 / 16).
    assert mirrored_run["batches_per_epoch"] == 5
    loss = mirrored_run["loss"]
    assert len(loss) == 3 and loss[-1] < loss[0]  # it trains


def test_mirrored_training_is_repeatable_for_a_seed(mirrored_run):
    assert mirrored_run["same_seed_equal"]
    assert mirrored_run["other_seed_differs"]
    # a Strategy instance trains like "mirrored", bit for bit. Under load 1 run in 3 differed
    # by 0.0026 before seeded fits ran with TensorFlow's op determinism (CI failed once).
    assert mirrored_run["instance_equals_string"], mirrored_run["instance_max_diff"]


def test_a_mirrored_classifier_pickles_and_predicts(mirrored_run):
    assert mirrored_run["pickled_equal"]
    assert mirrored_run["pickled_distribute"] == "mirrored"
    assert mirrored_run["pickled_instance_equal"]
    assert mirrored_run["pickled_instance_distribute"] is None
    [warning] = mirrored_run["pickle_warning"]
    assert "cannot be pickled" in warning and "distribute='mirrored'" in warning


def test_clone_keeps_a_strategy_instance_and_get_params_returns_it():
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()  # the default strategy: a Strategy instance
    clf = CXRClassifier("small_cnn", distribute=strategy, epochs=2)
    assert clf.get_params()["distribute"] is strategy
    twin = clone(clf)
    assert twin.distribute is strategy and clf.distribute is strategy
    assert twin.get_params()["epochs"] == 2
    assert clone(CXRClassifier(distribute="mirrored")).distribute == "mirrored"
    with pytest.warns(UserWarning, match="cannot be pickled"):
        assert pickle.loads(pickle.dumps(clf)).distribute is None


@pytest.mark.parametrize("bad", ["Mirrored", "tpu", 2, True])
def test_bad_distribute_values_are_refused_by_name(bad):
    X = [[[[0.0]] * 8] * 8] * 4
    with pytest.raises(ValueError, match=r"distribute.*mirrored"):
        CXRClassifier("small_cnn", distribute=bad).fit(X, ["covid", "non-covid"] * 2)
