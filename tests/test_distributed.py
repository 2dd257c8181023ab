"""A grid search of the real pipeline on a Dask cluster (issue 14, part 1).

One module-scoped :class:`distributed.LocalCluster` (2 worker processes x 1
thread, spawned, so TensorFlow is never forked) serves every test; its
startup and each worker's TensorFlow import are paid once. Dask is in the
``test`` extra: missing, the module skips, except under ``CI`` where it fails.
"""

import importlib.util
import re

import numpy as np
import pytest
from _requirements import skip_or_fail

if importlib.util.find_spec("distributed") is None:  # pragma: no cover
    skip_or_fail("tests/test_distributed.py needs dask[distributed] (pip install -e '.[test]')",
                 allow_module_level=True)

import joblib
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold

from skcxr import XRayLoader, make_default_pipeline
from skcxr.utils._runtime import _requested_threads


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True,
        dashboard_address=None, memory_limit=0, silence_logs=40,
    )
    with Client(cluster) as client:
        yield client
    cluster.close()


def _tiny_search(n_jobs=None):
    pipe = make_default_pipeline(
        loader__size=(32, 32), loader__n_jobs=1,
        classifier__architecture="small_cnn", classifier__epochs=1,
        classifier__batch_size=16, classifier__random_state=0,
    )
    grid = {"classifier__learning_rate": [1e-3, 3e-3]}
    cv = StratifiedGroupKFold(n_splits=2, shuffle=True, random_state=0)
    return GridSearchCV(pipe, grid, cv=cv, scoring="neg_log_loss", refit=False,
                        error_score="raise", n_jobs=n_jobs)


def _split_scores(search):
    keys = sorted(k for k in search.cv_results_ if k.startswith("split") and k.endswith("_test_score"))
    return np.array([search.cv_results_[k] for k in keys])


def _fit_sequentially(search, X, y, groups):
    assert search.n_jobs == 1
    return _split_scores(search.fit(X, y, groups=groups))


def test_grid_search_on_a_dask_cluster_scores_as_n_jobs_1_bit_for_bit(client, synthetic_table):
    # The n_jobs=1 reference runs in one worker process: TensorFlow's CPU
    # kernels (oneDNN) sum in an order that depends on the thread count, so
    # bit-for-bit equality needs the same count on both sides (1 here; this
    # pytest process may already run TensorFlow with another). Measured with
    # 2 threads against 1: log losses differ by ~1e-7 (benchmarks/README.md).
    table = synthetic_table.iloc[:64]
    X, y, groups = table["path"], table["label"], table["patientid"]

    expected = client.submit(_fit_sequentially, _tiny_search(n_jobs=1), X, y, groups,
                             pure=False).result()
    with joblib.parallel_config(backend="dask"):
        on_cluster = _tiny_search().fit(X, y, groups=groups)

    got = _split_scores(on_cluster)
    assert expected.shape == (2, 2)
    assert np.isfinite(expected).all()
    assert len(np.unique(expected)) == 4  # four distinct fits, not one repeated
    assert np.array_equal(got, expected), f"dask {got.tolist()} != n_jobs=1 {expected.tolist()}"


def _worker_threads():
    import tensorflow as tf

    from skcxr.utils._runtime import configure_tf_threads

    configure_tf_threads()
    return _requested_threads(), tf.config.threading.get_intra_op_parallelism_threads()


def test_worker_thread_caps_come_from_the_worker_not_the_client(client, monkeypatch):
    # The client asks for 2 threads; each worker has 1 thread and uses 1.
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    futures = [client.submit(_worker_threads, pure=False, workers=[w])
               for w in client.scheduler_info()["workers"]]
    assert [f.result() for f in futures] == [(1, 1), (1, 1)]


def test_worker_thread_count_overrides_the_nanny_omp_setting(monkeypatch):
    # Dask's nanny sets OMP_NUM_THREADS=1 in every worker whatever its size;
    # a 3-thread worker must still get 3 TF threads (SKCXR_NUM_THREADS wins).
    import distributed

    class FakeWorker:
        address = "tcp://fake:1"

        class state:
            nthreads = 3

    monkeypatch.setattr(distributed, "get_worker", lambda: FakeWorker)
    monkeypatch.delenv("SKCXR_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert _requested_threads() == 3
    monkeypatch.setenv("SKCXR_NUM_THREADS", "2")
    assert _requested_threads() == 2


def test_outside_a_worker_the_environment_decides(monkeypatch):
    monkeypatch.delenv("SKCXR_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    assert _requested_threads() == 4


def test_a_file_missing_on_a_worker_says_where_and_what_to_do(client, tmp_path):
    missing = str(tmp_path / "only-on-the-client.png")
    future = client.submit(XRayLoader(size=(32, 32), n_jobs=1).transform, [missing])
    with pytest.raises(FileNotFoundError) as info:
        future.result()
    message = str(info.value)
    assert missing in message
    assert "on Dask worker tcp://" in message
    assert "readable on the Dask workers" in message
    assert "filesystem every worker mounts" in message
    assert "client.scatter" in message
    # On the client (no worker) the message stays short.
    with pytest.raises(FileNotFoundError) as local:
        XRayLoader(size=(32, 32), n_jobs=1).transform([missing])
    assert "Dask" not in str(local.value)


def _fit_predict(estimator, X, y):
    return estimator.fit(X, y).predict_proba(X)


def test_arrays_scattered_to_the_workers_fit_without_the_files(client, synthetic_table):
    # The second way: decode on the client, scatter the array, fit without the
    # loader step (with a search: joblib.parallel_config(backend="dask",
    # scatter=[images])).
    from sklearn.base import clone

    table = synthetic_table.iloc[:48]
    pipe = _tiny_search().estimator
    images = clone(pipe.named_steps["loader"]).transform(table["path"])
    arrays_only = clone(pipe).set_params(loader="passthrough")
    y = table["label"].to_numpy()

    expected = _fit_predict(clone(arrays_only), images, y)  # here, with this process's threads
    [remote_images] = client.scatter([images])
    got = client.submit(_fit_predict, arrays_only, remote_images, y, pure=False).result()
    assert got.shape == (48, 2)
    # Same seed, other TF thread count than this process may have: equal up to
    # float rounding (the bit-for-bit test above fixes the thread count).
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    assert not np.allclose(got, 0.5, atol=1e-3)  # it learned something


def test_search_progress_is_printed_by_the_client_for_a_dask_search(client, capfd):
    from sklearn.linear_model import LogisticRegression

    from skcxr.model_selection import search_progress

    X = np.random.RandomState(0).rand(30, 3)
    y = np.arange(30) % 2
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2, pre_dispatch="all")
    with joblib.parallel_config(backend="dask"), search_progress():
        search.fit(X, y)
    err = capfd.readouterr().err
    assert "DaskDistributedBackend" in err
    assert re.search(r"Done +4 out of +4 \| elapsed: +[\d.]+s finished", err)


def _decode_inside_a_task(paths):
    from distributed import get_worker

    from skcxr.utils._parallel import resolve_n_jobs

    worker = get_worker()
    before = worker.state.executing_count
    images = XRayLoader(size=(16, 16), n_jobs=2).transform(paths)  # threads, not Dask tasks
    return resolve_n_jobs(None), images.shape, before, worker.state.executing_count


def test_decoding_inside_a_dask_task_uses_the_worker_threads_not_nested_tasks(client, synthetic_table):
    # Under the Dask backend joblib's active backend inside a task is Dask: the
    # loader's chunks became tasks and the fit's task seceded, so a 1-thread
    # worker ran two fits at once (seen in bench_search: fit times summing to
    # 3.5x the wall time of 2 workers).
    paths = list(synthetic_table["path"][:40])
    with joblib.parallel_config(backend="dask"):
        [(n_jobs, shape, before, after)] = joblib.Parallel()(
            [joblib.delayed(_decode_inside_a_task)(paths)])
    assert n_jobs == 1  # threads_per_worker=1
    assert shape == (40, 16, 16, 1)
    assert before == after == 1  # the task never left its thread slot
