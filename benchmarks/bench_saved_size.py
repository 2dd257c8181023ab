"""Benchmark: file size of the fitted pretrained recipe saved with joblib, pickle and skops.

Fits ``make_pretrained_pipeline(gate=None)`` (with its threshold; MobileNetV2, ImageNet weights from
``$SKCXR_WEIGHTS``) on 16 synthetic X-rays and saves it: the embedder carries
the backbone's weights, so the file is what a fresh process needs to predict.
Prints each size in MB and its ratio to the backbone's weights alone.

Usage::

    python benchmarks/bench_saved_size.py
"""

import os
import pickle
import tempfile

import joblib
import numpy as np


def main():
    from _common import default_weights_root

    os.environ.setdefault("SKCXR_WEIGHTS", default_weights_root())
    from skcxr import make_pretrained_pipeline
    from skcxr.datasets import make_synthetic_cxr
    from skcxr.features import XRayEmbedder

    folder = tempfile.mkdtemp()
    table = make_synthetic_cxr(16, folder, image_size=64, random_state=0)
    pipe = make_pretrained_pipeline(gate=None, embedder__verbose=0)
    pipe.fit(table["path"], table["label"], groups=table["patientid"])
    fitted = XRayEmbedder().fit(np.zeros((1, 32, 32, 1), dtype=np.float32))
    arrays = fitted.__getstate__()["_backbone_weights"]["arrays"]
    weights = sum(a.nbytes for a in arrays)
    print(f"backbone weights: {sum(a.size for a in arrays):,} values, {weights / 1e6:.2f} MB")
    for fmt in ("pickle", "joblib", "joblib compress=3", "skops"):
        path = os.path.join(folder, "model")
        if fmt == "skops":
            import skops.io as sio

            sio.dump(pipe, path)
        elif fmt == "pickle":
            with open(path, "wb") as f:
                pickle.dump(pipe, f)
        else:
            joblib.dump(pipe, path, compress=3 if "compress" in fmt else 0)
        size = os.path.getsize(path)
        print(f"{fmt:18s}: {size / 1e6:6.2f} MB ({size / weights:.2f}x the weights)")


if __name__ == "__main__":
    main()
