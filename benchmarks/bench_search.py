"""Benchmark: one grid search run sequentially, on loky workers and on a Dask cluster.

The same 8-candidate :class:`~sklearn.model_selection.GridSearchCV` of the
real pipeline (``make_default_pipeline``: loader, CLAHE, ``small_cnn``) on
synthetic 64 px X-rays, patient-grouped 2-fold CV (16 fits), in one run:

* ``n_jobs=1`` in this process;
* joblib's loky backend, ``n_jobs=2`` (two spawned worker processes);
* a Dask ``LocalCluster`` of 2 worker processes x 1 thread, under
  ``joblib.parallel_config(backend="dask")``.

Where the time goes is measured per phase: starting the workers (loky's
executor, the Dask scheduler and workers), importing TensorFlow in each
worker (a task that imports it, on every worker), then the search on warm
workers. The fits' own time is ``mean_fit_time + mean_score_time`` summed
over the 16 fits (from ``cv_results_``); wall / fits shows what parallelism
gained. Speedups are against ``n_jobs=1`` measured in the same run. The
scores of the three runs are compared bit for bit (the same
``random_state``).

Usage::

    python benchmarks/bench_search.py [--n-images 96] [--epochs 3] [--quick]
"""

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold

from skcxr import make_default_pipeline
from skcxr.datasets import make_synthetic_cxr

GRID = {
    "classifier__learning_rate": [1e-3, 3e-3],
    "classifier__dropout": [0.2, 0.4],
    "classifier__batch_size": [16, 32],
}


def _import_tf():
    import time as _time

    start = _time.perf_counter()
    import tensorflow  # noqa: F401
    import keras  # noqa: F401

    import skcxr.classifier  # noqa: F401

    return os.getpid(), _time.perf_counter() - start


def make_search(epochs, grid, n_jobs=None):
    pipe = make_default_pipeline(
        loader__size=(64, 64), classifier__architecture="small_cnn",
        classifier__epochs=epochs, classifier__random_state=0,
    )
    cv = StratifiedGroupKFold(n_splits=2, shuffle=True, random_state=0)
    return GridSearchCV(pipe, grid, cv=cv, scoring="neg_log_loss", refit=False,
                        error_score="raise", n_jobs=n_jobs)


def run_search(search, table):
    start = time.perf_counter()
    search.fit(table["path"], table["label"], groups=table["patientid"])
    wall = time.perf_counter() - start
    res = search.cv_results_
    n_fits = len(res["params"]) * search.n_splits_
    fit_work = float(np.sum(res["mean_fit_time"] + res["mean_score_time"]) * search.n_splits_)
    scores = np.array([res[f"split{k}_test_score"] for k in range(search.n_splits_)])
    return {"wall": wall, "n_fits": n_fits, "fit_work": fit_work, "scores": scores}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=96)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="2 candidates, 1 epoch, 48 images: checks the script runs")
    args = parser.parse_args(argv)
    grid = dict(GRID)
    if args.quick:
        args.n_images, args.epochs = 48, 1
        grid = {"classifier__learning_rate": [1e-3, 3e-3]}

    folder = tempfile.mkdtemp(prefix="bench_search_")
    table = make_synthetic_cxr(args.n_images, folder, image_size=64, random_state=0)
    print(f"{args.n_images} synthetic 64 px images, {args.epochs} epochs, "
          f"{np.prod([len(v) for v in grid.values()])} candidates x 2 folds; "
          f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} "
          f"{os.getloadavg()[2]:.1f} on {os.cpu_count()} cores", flush=True)
    rows = []

    # 1. sequential, in this process (TensorFlow imported here first).
    _, tf_import = _import_tf()
    seq = run_search(make_search(args.epochs, grid, n_jobs=1), table)
    rows.append(("n_jobs=1", 0.0, tf_import, seq))
    print(f"n_jobs=1 done: {seq['wall']:.1f} s", flush=True)

    # 2. loky, 2 workers: start them and import TF (timed), then the search.
    start = time.perf_counter()
    with joblib.parallel_config(backend="loky", n_jobs=2):
        imports = joblib.Parallel()(joblib.delayed(_import_tf)() for _ in range(2))
    loky_start = time.perf_counter() - start
    loky_tf = max(t for _, t in imports)
    loky = run_search(make_search(args.epochs, grid, n_jobs=2), table)
    rows.append(("loky n_jobs=2", loky_start - loky_tf, loky_tf, loky))
    print(f"loky done: {loky['wall']:.1f} s", flush=True)

    # 3. Dask LocalCluster, 2 processes x 1 thread.
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None, memory_limit=0, silence_logs=40)
    client = Client(cluster)
    dask_start = time.perf_counter() - start
    start = time.perf_counter()
    dask_tf = max(t for _, t in client.run(_import_tf).values())
    dask_tf_wall = time.perf_counter() - start
    with joblib.parallel_config(backend="dask"):
        dask = run_search(make_search(args.epochs, grid), table)
    rows.append(("Dask 2 workers x 1 thread", dask_start, dask_tf_wall, dask))
    client.close()
    cluster.close()

    print()
    print("| run | start workers (s) | import TF (s) | search wall (s) | fits' own time (s) "
          "| search speedup | total (s) | total speedup | scores = n_jobs=1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    base_total = seq["wall"]
    for name, start_s, tf_s, r in rows:
        total = r["wall"] + start_s + (tf_s if name != "n_jobs=1" else 0.0)
        same = np.array_equal(r["scores"], seq["scores"])
        print(f"| {name} | {start_s:.1f} | {tf_s:.1f} | {r['wall']:.1f} | {r['fit_work']:.1f} "
              f"| {seq['wall'] / r['wall']:.2f}x | {total:.1f} | {base_total / total:.2f}x "
              f"| {'yes' if same else 'no (max diff %.3g)' % np.abs(r['scores'] - seq['scores']).max()} |")
    per_fit = seq["fit_work"] / seq["n_fits"]
    print(f"\n{seq['n_fits']} fits; one fit (n_jobs=1) {per_fit:.2f} s = "
          f"{per_fit / (args.epochs * args.n_images / 2):.2e} s per image-epoch "
          f"({args.epochs * args.n_images / 2 / per_fit:.0f} image-epochs/s incl. build, "
          f"loading and scoring)")
    print(f"load average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
