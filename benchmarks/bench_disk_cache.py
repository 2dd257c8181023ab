"""Benchmark: the pretrained grid search in two fresh processes sharing a feature cache on disk.

Runs ``bench_pretrained.py --search``'s search (the study table, 840 images;
``GridSearchCV`` of ``make_pretrained_pipeline()[2:]`` over 14 candidates x 5
patient-grouped folds, images loaded + CLAHE once) twice, each time in a new
Python process, with ``embedder__cache_dir`` set to one empty folder. The
first process embeds every image and writes its features; the second finds
them all on disk. Prints, per process, the wall time (import to last fit),
the images run through the network and the disk hits, then the ratio first /
second. ``--grid small`` searches 2 candidates instead of 14 (the logistic
regressions, not the network, are then a smaller share of the time);
``--grid example`` the 10 candidates of ``examples/plot_pretrained_grid_search.py``
on real data (two embedder settings x 5 values of C).

Usage::

    python benchmarks/bench_disk_cache.py [--data PATH] [--grid full|small|example]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRIDS = {
    "full": {"classifier__C": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0],
             "classifier__class_weight": ["balanced", None]},
    "small": {"classifier__C": [0.03, 0.1], "classifier__class_weight": ["balanced"]},
    # examples/plot_pretrained_grid_search.py's real-data grid: the recipe's pooling against
    # global averages only (two embedder settings) x C
    "example": {"embedder__pooling": [["avg+grid", "avg"], "avg"],
                "classifier__C": [0.003, 0.01, 0.03, 0.1, 0.3]},
}


def child(args):
    start = time.perf_counter()
    import numpy as np
    from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold

    from skcxr import make_pretrained_pipeline
    from skcxr.features import embedding_stats
    from _common import real_table

    phases = {"import": time.perf_counter() - start}
    table = real_table(Path(args.data), random_state=0)
    phases["table"] = time.perf_counter() - start - sum(phases.values())
    paths, y, groups = table["path"], table["label"].to_numpy(), table["patientid"].to_numpy()
    pipe = make_pretrained_pipeline(gate=None, embedder__cache_dir=args.cache_dir,
                                    embedder__verbose=0)
    pipe = getattr(pipe, "estimator", pipe)  # the Pipeline inside the threshold carrier
    images = pipe[:2].fit_transform(paths)
    phases["load + CLAHE"] = time.perf_counter() - start - sum(phases.values())
    cv = StratifiedGroupKFold(5, shuffle=True, random_state=0)
    search = GridSearchCV(pipe[2:], GRIDS[args.grid], cv=cv, scoring="roc_auc")
    search.fit(images, y, groups=groups)
    stats = embedding_stats()
    phases["search"] = time.perf_counter() - start - sum(phases.values())
    print(json.dumps({"seconds": time.perf_counter() - start, "phases": phases, "images": len(table),
                      "embedded": stats["embedded"], "disk_hits": stats["disk_hits"],
                      "best": float(search.best_score_),
                      "best_params": {k: str(v) for k, v in search.best_params_.items()},
                      "auc": np.round(search.cv_results_["mean_test_score"], 4).tolist()}))


def main(argv=None):
    from _common import default_data_root, default_weights_root

    os.environ.setdefault("SKCXR_WEIGHTS", default_weights_root())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data_root())
    parser.add_argument("--grid", choices=sorted(GRIDS), default="full")
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    cache_dir = tempfile.mkdtemp(prefix="skcxr-features-")
    runs = []
    for i in (1, 2):
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--data", str(args.data), "--grid", args.grid,
             "--cache-dir", cache_dir], capture_output=True, text=True, check=False,
            cwd=os.path.dirname(os.path.abspath(__file__)))
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        run = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append(run)
        print(f"process {i}: {run['seconds']:6.1f} s, {run['images']} images, embedded "
              f"{run['embedded']}, from disk {run['disk_hits']}; best {run['best_params']} "
              f"ROC AUC {run['best']:.3f}", flush=True)
        print("           " + ", ".join(f"{k} {v:.1f} s" for k, v in run["phases"].items()))
    size = sum(f.stat().st_size for f in Path(cache_dir).rglob("*.f32"))
    print(f"cache: {size / 1e6:.1f} MB in {cache_dir}; same scores: "
          f"{runs[0]['auc'] == runs[1]['auc']}")
    print(f"speed ratio first / second process: {runs[0]['seconds'] / runs[1]['seconds']:.2f}x")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
