"""Benchmark: the old defaults vs the new ones, inside and on held-out sources.

Two recipes, same data, same folds, same held-out groups:

(a) **the old defaults** (the 2020 study's): ``make_covid_dataset_from_root(data,
    recipe="study")`` (COVID collection + Kermany NORMAL) and
    ``skcxr.make_default_pipeline()`` (five-block CNN, 40 epochs), labelled by
    its own ``predict``.
(b) **the new defaults**: ``make_covid_dataset_from_root(data)`` (the
    multi-source table: Kermany NORMAL and PNEUMONIA, ``adult-normal``,
    ``tbx11k-tb``) and ``skcxr.make_multisource_pipeline()`` (frozen
    MobileNetV2 features + logistic regression), labelled at the threshold the
    fitted estimator carries (sensitivity ``TARGET_SENSITIVITY`` on an inner
    patient-grouped CV of its training rows).

For each: (1) internal 5-fold ``StratifiedGroupKFold`` by patient on its own
table (``evaluate_by_source``, the estimator's own predict); (2)
``leave_one_source_out`` on every source: the COVID collection split by region
(``europe``, ``asia``, ``other``), ``chest-xray-pneumonia`` (all 600 Kermany
images, NORMAL and PNEUMONIA), ``adult-normal``, ``tbx11k``; every image of a
held-out source is tested (``eval_table`` = every image of every source).

The frozen features are computed once per image and cached as ``.npy`` in
``--cache`` (default ``/tmp/skcxr_bench_sources``); the defaults' results are
cached there too (``defaults_*.pkl``) so the slow five-block part (about ten
fits of 40 epochs) is computed once; delete the folder to recompute.

Usage::

    python benchmarks/bench_sources.py [--data PATH] [--cache DIR] [--part all|defaults|recipe]
        [--no-defaults-internal] [--ceiling [TARGET ...]]
"""

import argparse
import os
import pickle
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pandas as pd

from skcxr.datasets import make_multisource_dataset, split_covid_collection
from skcxr.model_selection import evaluate_by_source, leave_one_source_out
# benchmarks/ is sys.path[0] when run as a script
from _common import COLUMNS, COVID, default_data_root, real_table

HOLDOUT = ["covid-chestxray@europe", "covid-chestxray@asia", "covid-chestxray@other",
           "chest-xray-pneumonia", "adult-normal", "tbx11k"]


def universe(data):
    """Every image of every source: the rows the held-out sources are tested on."""
    import warnings

    from skcxr.datasets import DuplicateImageWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateImageWarning)
        return make_multisource_dataset(data, n_negatives="all", split_covid_by="region")


def _cached(path, compute):
    if path.is_file():
        print(f"(reusing {path})", flush=True)
        return pickle.loads(path.read_bytes())
    value = compute()
    path.write_bytes(pickle.dumps(value))
    return value


def run_defaults(data, cache, everything, internal_cv=True):
    from skcxr import make_default_pipeline

    table = real_table(data)
    split = split_covid_collection(table, Path(data) / COVID, by="region")
    pipe = make_default_pipeline(classifier__random_state=0)
    start = time.perf_counter()
    loso = _cached(cache / "defaults_loso.pkl", lambda: leave_one_source_out(
        pipe, split, holdout=HOLDOUT, eval_table=everything, threshold="predict", verbose=1))
    t_loso = time.perf_counter() - start
    internal = None
    if internal_cv:
        internal = _cached(cache / "defaults_internal.pkl", lambda: evaluate_by_source(
            pipe, table, cv=5, cross_source=False, verbose=1))
    return table, internal, loso, t_loso


def run_five_block_new(data, cache):
    """make_default_pipeline (the study's network) on the new default table, 5-fold grouped."""
    import warnings

    from skcxr import make_default_pipeline
    from skcxr.datasets import DuplicateImageWarning, make_covid_dataset_from_root

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateImageWarning)
        table = make_covid_dataset_from_root(data)
    pipe = make_default_pipeline(classifier__random_state=0)
    start = time.perf_counter()
    internal = _cached(cache / "five_block_new_internal.pkl", lambda: evaluate_by_source(
        pipe, table, cv=5, cross_source=False, verbose=1))
    frame = internal.to_frame()
    print(f"\n=== make_default_pipeline() on the new default table ({len(table)} images), "
          f"5-fold StratifiedGroupKFold by patient, its own predict "
          f"({time.perf_counter() - start:.0f} s) ===")
    print(frame[frame["evaluation"] == "internal"][COLUMNS].to_string(
        index=False, float_format=lambda v: f"{v:.3f}"))


def report(name, table, internal, loso, seconds):
    print(f"\n=== {name}: {len(table)} training images, "
          f"{(table['label'] == 'covid').sum()} covid ===")
    if internal is None:
        print("(internal CV skipped: --no-defaults-internal)")
    else:
        frame = internal.to_frame()
        print(frame[frame["evaluation"] == "internal"][COLUMNS].to_string(
            index=False, float_format=lambda v: f"{v:.3f}"))
    print()
    print(loso)
    print(f"(leave-one-source-out wall time {seconds:.0f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data_root())
    parser.add_argument("--cache", default="/tmp/skcxr_bench_sources")
    parser.add_argument("--part", choices=["all", "defaults", "recipe", "five-block-new"],
                        default="all",
                        help="five-block-new: only make_default_pipeline's internal 5-fold CV "
                             "on the new default (multi-source) table (five 40-epoch fits)")
    parser.add_argument("--no-defaults-internal", action="store_true",
                        help="skip the defaults' internal 5-fold CV (five 40-epoch fits)")
    parser.add_argument("--ceiling", type=float, nargs="*", default=(), metavar="TARGET",
                        help="also rerun the recipe's leave-one-source-out with these target "
                             "sensitivities and print each held-out group's best specificity "
                             "at sensitivity 0.85 (threshold chosen on the held-out rows)")
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    everything = universe(args.data)
    print(everything.groupby(["source", "label"]).size().to_string(), flush=True)
    results = {}
    if args.part == "five-block-new":
        run_five_block_new(args.data, cache)
        return
    if args.part in ("all", "defaults"):
        results["defaults"] = run_defaults(args.data, cache, everything,
                                           internal_cv=not args.no_defaults_internal)
        report("(a) old defaults (study table + five-block)", *results["defaults"])
    if args.part in ("all", "recipe"):
        from _sources_recipe import run_recipe

        table_only = run_recipe(args.data, cache, everything, HOLDOUT, table_name="default")
        report("(b0) the recipe's pipeline on the study's table", *table_only)
        results["recipe"] = run_recipe(args.data, cache, everything, HOLDOUT,
                                       targets=args.ceiling)
        report("(b) new defaults (multi-source table + make_multisource_pipeline, "
               "carried threshold)", *results["recipe"])
        loso = results["recipe"][2].to_frame().query("evaluation == 'held-out'")
        covid = loso[loso["source"].str.startswith(COVID)]
        print("new defaults, held-out COVID sub-source sensitivity: " + ", ".join(
            f"{s} {v:.3f}" for s, v in zip(covid["source"], covid["sensitivity"])))
    if len(results) == 2:
        a, b = results["defaults"][2].summary(), results["recipe"][2].summary()
        print("\nmean held-out specificity: old defaults "
              f"{a['mean_specificity']:.3f}, new defaults {b['mean_specificity']:.3f}; "
              f"min held-out sensitivity: old defaults {a['min_sensitivity']:.3f}, "
              f"new defaults {b['min_sensitivity']:.3f}")


if __name__ == "__main__":
    main()
