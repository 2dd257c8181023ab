"""A fit's randomness is a function of random_state alone (issue 11, items 1 and 10):
other threads drawing from Python's ``random``, joblib's loky / threading backends
and Dask give bit for bit the sequential result; a fork after TensorFlow raises."""

import random
import subprocess
import sys
import textwrap
import threading

import joblib
import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

from skcxr import CXRClassifier  # noqa: E402
from skcxr.preprocessing import XRayNormalizer  # noqa: E402

# Augmentation and dropout on: every source of randomness of a fit is used.
SMALL = dict(architecture="small_cnn", epochs=2, batch_size=8, learning_rate=1e-2,
             augmentation=True, dropout=0.3, random_state=0)


def images(n=24, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 0.4, size=(n, 32, 32, 1)).astype("float32")
    y = np.array(["covid", "non-covid"] * (n // 2))
    X[y == "covid", 8:24, 8:24] += 0.5
    return X, y


class Hammer:
    """A background thread drawing from Python's global random generator."""

    def __enter__(self):
        self.stop = threading.Event()
        self.draws = 0

        def run():
            while not self.stop.is_set():
                random.random()
                self.draws += 1

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def test_keras_default_seeds_are_drawn_per_thread():
    from keras.src.random.seed_generator import make_default_seed

    from skcxr.utils._seeding import seeded

    with seeded(3):
        expected = [make_default_seed() for _ in range(5)]
    with Hammer() as hammer, seeded(3):
        drawn = []
        for _ in range(5):
            drawn.append(make_default_seed())
            random.random()  # the global generator is not the one Keras uses here
    assert drawn == expected and hammer.draws > 0
    state = random.getstate()
    with seeded(4):
        layer = keras.layers.Dropout(0.5)
    assert random.getstate() == state  # nothing process-wide was touched
    with seeded(4):
        assert keras.layers.Dropout(0.5).seed_generator.state.numpy().tolist() == \
            layer.seed_generator.state.numpy().tolist()


def test_background_thread_using_random_does_not_change_the_fit():
    X, y = images()
    expected = CXRClassifier(**SMALL).fit(X, y).predict_proba(X)
    with Hammer() as hammer:
        proba = CXRClassifier(**SMALL).fit(X, y).predict_proba(X)
    assert hammer.draws > 1000
    np.testing.assert_array_equal(proba, expected)  # max |diff| was 0.06-0.12


def _search():
    pipe = Pipeline([("normalizer", XRayNormalizer(method="none")),
                     ("classifier", CXRClassifier(**SMALL))])
    return GridSearchCV(pipe, {"classifier__learning_rate": [1e-2, 3e-3]},
                        cv=StratifiedKFold(2), scoring="neg_log_loss", refit=False)


def _scores(search):
    keys = [k for k in search.cv_results_ if k.startswith("split") and k.endswith("_test_score")]
    return np.array([search.cv_results_[k] for k in sorted(keys)])


@pytest.fixture(scope="module")
def sequential_scores():
    X, y = images()
    return _scores(_search().fit(X, y))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_grid_search_backends_match_sequential_bit_for_bit(backend, sequential_scores):
    X, y = images()
    with joblib.parallel_config(backend=backend, n_jobs=2):
        scores = _scores(_search().set_params(n_jobs=2).fit(X, y))
    np.testing.assert_array_equal(scores, sequential_scores)


# Dask against n_jobs=1, bit for bit: tests/test_distributed.py (one cluster for the module).


def test_seeded_fit_runs_with_op_determinism_and_restores_it():
    # Without it the loky grid search above differed from the sequential one by
    # 1e-7 whenever another job loaded the 2 cores (pytest -n 2 in CI).
    import keras
    from tensorflow.python.framework import config

    X, y = images()
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda *_: seen.append(config.is_op_determinism_enabled()))
    before = config.is_op_determinism_enabled()
    CXRClassifier(**dict(SMALL, random_state=None), callbacks=[record]).fit(X, y)
    CXRClassifier(**SMALL, callbacks=[record]).fit(X, y)
    assert seen[0] == before and seen[-1] is True
    assert config.is_op_determinism_enabled() == before


@pytest.mark.slow
def test_multiprocessing_backend_after_tensorflow_raises_instead_of_hanging(tmp_path):
    script = textwrap.dedent("""
        import joblib, numpy as np
        from sklearn.model_selection import cross_val_score
        from skcxr import CXRClassifier
        rng = np.random.RandomState(0)
        X = rng.uniform(0, 1, size=(8, 32, 32, 1)).astype("float32")
        y = np.array(["covid", "non-covid"] * 4)
        clf = CXRClassifier("small_cnn", epochs=1, batch_size=8, augmentation=False)
        clf.fit(X, y)  # TensorFlow's runtime now runs in this process
        try:
            with joblib.parallel_config(backend="multiprocessing"):
                cross_val_score(clf, X, y, cv=2, n_jobs=2, error_score="raise")
        except RuntimeError as exc:
            print("RAISED", exc)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path, env={**__import__("os").environ,
                                                            "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert "RAISED" in result.stdout, result.stderr[-3000:]
    message = result.stdout.split("RAISED", 1)[1]
    assert "forked after TensorFlow" in message and "'loky'" in message
