"""Benchmark: the age / source shortcut, study recipe against skcxr's defaults.

Same run, same seeds, same fold generator (5-fold ``StratifiedGroupKFold`` by
patient, shuffle, seed 0), each scored with
:func:`skcxr.model_selection.evaluate_by_source` (per-source breakdown):

(a) the study's recipe on the study's table (healthy = Kermany NORMAL only):
    ``XRayLoader(150 px, RGB, stretch)``, ``XRayNormalizer("none")``,
    ``CXRClassifier("five_block", epochs=30, batch_size=16)`` with the
    study's BatchNorm momentum (Keras' 0.99, pinned: five_block's default
    is 0.9): no class weights, no augmentation, no validation, no early
    stopping;
(b) ``skcxr.make_default_pipeline()`` on the mixed-healthy table
    (Kermany NORMAL + adult-normal, ``--mix`` fraction of adult-normal).

The specificity of the ``covid-chestxray`` row is the one on the non-COVID
adults of the COVID collection (other pneumonias, SARS, ARDS, no finding): the
hard negatives. Then the cross-source check, for each recipe: fit on the
study's table (Kermany healthy only, all folds) and test on every image of
``adult-normal/`` (healthy adults the model never saw; specificity only).

Usage::

    python benchmarks/bench_shortcut.py [--data PATH] [--folds 5] [--epochs 30]
        [--skcxr-epochs N] [--mix 0.5]
"""

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from sklearn.pipeline import Pipeline

from skcxr import CXRClassifier, XRayLoader, make_default_pipeline
from skcxr.datasets import load_healthy_folder
from skcxr.metrics import specificity_score
from skcxr.model_selection import evaluate_by_source
from skcxr.preprocessing import XRayNormalizer
# benchmarks/ is sys.path[0] when run as a script
from _common import ADULT, COLUMNS, COVID, KERMANY, default_data_root, real_table



def study_pipeline(epochs, seed):
    """The study's recipe with skcxr's public building blocks."""
    return Pipeline([
        ("loader", XRayLoader(size=(150, 150), color_mode="rgb", resize="stretch")),
        ("normalizer", XRayNormalizer(method="none")),
        ("classifier", CXRClassifier("five_block", architecture_params={"bn_momentum": 0.99},
                                     optimizer="adam", learning_rate=1e-3,
                                     epochs=epochs, batch_size=16, random_state=seed,
                                     # the study's head and no weighting / augmentation
                                     # (pinned: the class defaults are skcxr's measured ones)
                                     dropout=None, class_weight=None, augmentation=None)),
    ])


def cross_source(pipe, train_table, test_table):
    """Fit on ``train_table``, return specificity on the (healthy) ``test_table``."""
    start = time.perf_counter()
    pipe.fit(train_table["path"], train_table["label"].to_numpy())
    pred = pipe.predict(test_table["path"])
    spec = specificity_score(test_table["label"].to_numpy(), pred, pos_label="covid")
    return spec, time.perf_counter() - start


def main(argv=None):
    default_data = default_data_root()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data, help="real data root")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=30, help="study recipe epochs (30)")
    parser.add_argument("--skcxr-epochs", type=int, default=None,
                        help="override the default pipeline's (maximum) epochs")
    parser.add_argument("--mix", type=float, default=0.5,
                        help="fraction of healthy images from adult-normal in table (b)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-cross", action="store_true", help="skip the cross-source check")
    parser.add_argument("--recipes", default="ab",
                        help="which recipes to run: 'ab' (default), 'a' or 'b'")
    args = parser.parse_args(argv)

    data = Path(args.data)
    study_table = real_table(data, random_state=args.seed)
    mixed_table = real_table(data, healthy={KERMANY: 1 - args.mix, ADULT: args.mix},
                             random_state=args.seed)
    adults = load_healthy_folder(data / ADULT).assign(label="non-covid")
    for name, table in (("study table", study_table), ("mixed table", mixed_table)):
        counts = table.groupby(["source", "label"]).size().to_dict()
        print(f"{name}: {len(table)} images, {table['patientid'].nunique()} patients, {counts}")
    print(f"cross-source test set: {len(adults)} adult-normal images")

    skcxr_params = {"classifier__random_state": args.seed}
    if args.skcxr_epochs is not None:
        skcxr_params["classifier__epochs"] = args.skcxr_epochs
    recipes = {
        "(a) study recipe, Kermany healthy": (
            lambda: study_pipeline(args.epochs, args.seed), study_table),
        f"(b) skcxr defaults, mixed healthy ({args.mix:.0%} adult)": (
            lambda: make_default_pipeline(**skcxr_params), mixed_table),
    }

    recipes = {name: v for name, v in recipes.items() if name[1] in args.recipes}
    internal, cross = {}, {}
    for name, (make, table) in recipes.items():
        print(f"\n=== {name}: {args.folds}-fold grouped CV", flush=True)
        start = time.perf_counter()
        result = evaluate_by_source(make(), table, cv=args.folds, cross_source=False,
                                    random_state=args.seed, verbose=1)
        internal[name] = (result.to_frame(), time.perf_counter() - start)
        print(result, flush=True)
        if not args.no_cross:
            spec, seconds = cross_source(make(), study_table, adults)
            cross[name] = (spec, seconds)
            print(f"cross-source: trained on Kermany-healthy table ({len(study_table)} images), "
                  f"specificity on adult-normal {spec:.3f} ({seconds:.0f} s)", flush=True)

    print("\n" + "=" * 78)
    print(f"INTERNAL ({args.folds}-fold StratifiedGroupKFold by patient, seed {args.seed}; "
          "pooled out-of-fold predictions)")
    for name, (frame, seconds) in internal.items():
        print(f"\n{name} ({seconds:.0f} s)")
        print(frame[COLUMNS].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\nSpecificity on the non-COVID adults of the COVID collection (other pneumonias):")
    for name, (frame, _) in internal.items():
        row = frame[frame["source"] == COVID].iloc[0]
        print(f"  {name:<46s} {row['specificity']:.3f} (n={int(row['n_negative'])})")
    if cross:
        print("\nCROSS-SOURCE (fit on the Kermany-healthy study table, test on adult-normal):")
        for name, (spec, seconds) in cross.items():
            print(f"  {name:<46s} specificity {spec:.3f} ({seconds:.0f} s)")


if __name__ == "__main__":
    main()
