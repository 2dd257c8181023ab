"""Benchmark: reduced-precision (bfloat16) embedding against float32, speed and AUC.

The pretrained recipe's embedder (``make_pretrained_pipeline()``: MobileNetV2,
320 px, CLAHE, two layers pooled, flip averaging) embeds the study table (840
real X-rays, loaded + CLAHE once, outside the timing) in two fresh child
processes: one in float32, one with Keras' ``"mixed_bfloat16"`` dtype policy
set before the network is built (weights kept in float32, computations in
bfloat16). Each child times the embedding after a warm-up batch. The parent
prints both images/s and their ratio, the largest feature difference, and the
recipe's head (scaler + logistic regression) scored by the same 5
patient-grouped folds on both feature sets (ROC AUC), so the numbers the
recipe reports can be compared.

Usage::

    python benchmarks/bench_precision.py [--data PATH] [--n-images 840]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def child(args):
    import keras

    from skcxr import make_pretrained_pipeline
    from _common import real_table

    table = real_table(Path(args.data), random_state=0).iloc[: args.n_images]
    pipe = make_pretrained_pipeline(gate=None, embedder__verbose=0, embedder__cache=False)
    pipe = getattr(pipe, "estimator", pipe)
    images = pipe[:2].fit_transform(table["path"])
    if args.child == "bfloat16":
        keras.config.set_dtype_policy("mixed_bfloat16")
    embedder = pipe[2]
    embedder.fit(images[:8]).transform(images[:8])  # warm-up: build and trace the network
    start = time.perf_counter()
    features = np.asarray(embedder.transform(images), dtype=np.float32)
    seconds = time.perf_counter() - start
    np.save(args.out, features)
    print(json.dumps({"seconds": seconds, "n": len(images),
                      "policy": keras.config.dtype_policy().name}))


def grouped_auc(features, table):
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedGroupKFold, cross_val_score

    from skcxr import make_pretrained_pipeline

    head = make_pretrained_pipeline(gate=None)
    head = getattr(head, "estimator", head)[3:]
    cv = StratifiedGroupKFold(5, shuffle=True, random_state=0)
    y = (table["label"] == "covid").to_numpy().astype(int)
    return float(cross_val_score(clone(head), features, y, groups=table["patientid"],
                                 cv=cv, scoring="roc_auc").mean())


def main(argv=None):
    from _common import default_data_root, default_weights_root, real_table

    os.environ.setdefault("SKCXR_WEIGHTS", default_weights_root())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data_root())
    parser.add_argument("--n-images", type=int, default=840)
    parser.add_argument("--child", choices=["float32", "bfloat16"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    table = real_table(Path(args.data), random_state=0).iloc[: args.n_images]
    folder = tempfile.mkdtemp(prefix="skcxr-precision-")
    runs = {}
    for policy in ("float32", "bfloat16"):
        out = os.path.join(folder, f"{policy}.npy")
        done = subprocess.run(
            [sys.executable, __file__, "--child", policy, "--out", out, "--data", str(args.data),
             "--n-images", str(args.n_images)], capture_output=True, text=True, check=False,
            cwd=os.path.dirname(os.path.abspath(__file__)))
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        runs[policy] = json.loads(done.stdout.strip().splitlines()[-1])
        runs[policy]["features"] = np.load(out)
        run = runs[policy]
        print(f"{policy:8s} ({run['policy']}): {run['n']} images embedded in "
              f"{run['seconds']:.1f} s, {run['n'] / run['seconds']:.1f} img/s", flush=True)
    f32, bf16 = runs["float32"]["features"], runs["bfloat16"]["features"]
    scale = np.abs(f32).max()
    print(f"largest |bfloat16 - float32| feature difference: {np.abs(bf16 - f32).max():.4f} "
          f"(largest feature {scale:.2f})")
    auc = {policy: grouped_auc(runs[policy]["features"], table) for policy in runs}
    print(f"recipe ROC AUC, 5 patient-grouped folds: float32 {auc['float32']:.4f}, bfloat16 "
          f"{auc['bfloat16']:.4f} (difference {auc['bfloat16'] - auc['float32']:+.4f})")
    print(f"speed ratio bfloat16 / float32: "
          f"{runs['float32']['seconds'] / runs['bfloat16']['seconds']:.2f}x")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
