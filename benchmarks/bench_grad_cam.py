"""Benchmark: Grad-CAM heatmaps against predict_proba on the same images, same run.

Loads 100 real frontal X-rays at 150 px (50 from covid-chestxray, 50 healthy
from chest-xray-pneumonia, drawn with a fixed seed) from ``$SKCXR_DATA`` or
``../shared/data``; without the data it falls back to 100 synthetic X-rays
(and says so). A five-block CNN (the study's network) is trained for one epoch
on them (the weights do not change the cost), then, in interleaved rounds so
both share the machine's noise:

* ``clf.predict_proba(X)``;
* ``skcxr.explain.grad_cam(clf, X)`` (last convolution, class ``"covid"``).

Prints the first (cold) call of each, which includes compiling the function,
then the best of ``--repeat`` warm calls, and, last, the ratio
grad_cam / predict_proba of the warm times (target: under 10).

Usage::

    python benchmarks/bench_grad_cam.py [--data PATH] [--repeat 5] [--n 100] [--size 150]
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import default_data_root  # benchmarks/ is sys.path[0] when run as a script

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FRONTAL_VIEWS = ("PA", "AP", "AP Supine")


def real_paths(root, n, seed):
    """n paths: half COVID-19 frontal X-rays, half Kermany NORMAL, and their labels."""
    root = Path(root)
    meta = pd.read_csv(root / "covid-chestxray" / "metadata.csv")
    keep = (meta["modality"] == "X-ray") & meta["view"].isin(FRONTAL_VIEWS)
    keep &= meta["finding"].astype(str).str.contains("COVID-19")
    covid = sorted({
        str(root / "covid-chestxray" / f / name)
        for f, name in zip(meta.loc[keep, "folder"], meta.loc[keep, "filename"])
    })
    covid = [p for p in covid if os.path.isfile(p)]
    normal = sorted(str(p) for p in (root / "chest-xray-pneumonia").glob("*/NORMAL/*"))
    rng = np.random.RandomState(seed)
    half = n // 2
    paths = list(rng.choice(covid, half, replace=False)) + list(
        rng.choice(normal, n - half, replace=False))
    return paths, ["covid"] * half + ["non-covid"] * (n - half)


def main(argv=None):
    default_data = default_data_root()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data, help="real data root")
    parser.add_argument("--n", type=int, default=100, help="number of images")
    parser.add_argument("--size", type=int, default=150, help="image side in px")
    parser.add_argument("--repeat", type=int, default=5, help="warm rounds (best is kept)")
    args = parser.parse_args(argv)

    from skcxr import CXRClassifier, XRayLoader
    from skcxr.explain import grad_cam

    loader = XRayLoader(size=(args.size, args.size))
    tmp = None
    if (Path(args.data) / "covid-chestxray").is_dir() and (
        Path(args.data) / "chest-xray-pneumonia").is_dir():
        paths, labels = real_paths(args.data, args.n, seed=0)
        print(f"{len(paths)} real X-rays from {args.data}")
    else:
        from skcxr.datasets import make_synthetic_cxr

        tmp = tempfile.TemporaryDirectory()
        table = make_synthetic_cxr(args.n, tmp.name, image_size=args.size, random_state=0)
        paths, labels = list(table["path"]), list(table["label"])
        print(f"real data not found in {args.data}: {len(paths)} SYNTHETIC X-rays instead")
    X = loader.fit_transform(paths)
    print(f"images: {X.shape} {X.dtype}")

    clf = CXRClassifier("five_block", epochs=1, batch_size=32, random_state=0)
    clf.fit(X, np.asarray(labels))
    print(f"network: five_block, last convolution used by grad_cam, batch_size {clf.batch_size}")

    def timed(func):
        start = time.perf_counter()
        func()
        return time.perf_counter() - start

    cold_predict = timed(lambda: clf.predict_proba(X))
    cold_cam = timed(lambda: grad_cam(clf, X))
    predict_times, cam_times = [], []
    for _ in range(args.repeat):
        predict_times.append(timed(lambda: clf.predict_proba(X)))
        cam_times.append(timed(lambda: grad_cam(clf, X)))
    maps = grad_cam(clf, X)
    assert maps.shape == X.shape[:3] and 0 <= maps.min() and maps.max() <= 1

    n = len(X)
    print(f"first call (includes compiling): predict_proba {cold_predict:.3f} s, "
          f"grad_cam {cold_cam:.3f} s, ratio {cold_cam / cold_predict:.2f}")
    print(f"predict_proba  best of {args.repeat}: {min(predict_times):.3f} s "
          f"({n / min(predict_times):.0f} images/s)")
    print(f"grad_cam       best of {args.repeat}: {min(cam_times):.3f} s "
          f"({n / min(cam_times):.0f} images/s)")
    print(f"ratio grad_cam / predict_proba: {min(cam_times) / min(predict_times):.2f}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
