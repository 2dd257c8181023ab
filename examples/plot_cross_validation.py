"""
Patient-grouped cross-validation with sensitivity and specificity
=================================================================

One train/test split gives one number whose spread is unknown: the study's
0.8713 came from a single random split of 505 images. This example scores the
pipeline with :func:`sklearn.model_selection.cross_validate` over a
:class:`~sklearn.model_selection.StratifiedGroupKFold` (5 folds, grouped by
``patientid`` so that no patient has images on both sides of a fold,
stratified so every fold keeps the class balance), with the scorers of
:func:`skcxr.metrics.get_scorers` (accuracy, balanced accuracy, sensitivity,
specificity, ROC AUC). It prints one row per fold and the mean ± standard
deviation over the folds, saves them to ``cross_validation.csv`` and plots the
per-fold scores (``cross_validation.png``).

On the synthetic default (240 images of 64 px) the network is the small CNN
(``small_cnn``) so that five fits take about a minute on 2 CPU cores;
``--architecture five_block`` cross-validates the study's network (several
minutes per fold on the real data). ``--n-jobs 2`` fits folds in parallel
with joblib's default ``loky`` backend, never a fork-based one (fork after
TensorFlow has run deadlocks); skcxr caps TensorFlow's threads per worker.

All folds here come from the same sources, so these are *internal* numbers;
:func:`skcxr.model_selection.evaluate_by_source` adds the per-source breakdown
and the cross-source runs (train without a source, test on it).

Usage::

    python examples/plot_cross_validation.py [--folds 5] [--n-jobs 2] [--quick]
    python examples/plot_cross_validation.py --covid-root ../shared/data/covid-chestxray \\
        --pneumonia-root ../shared/data/chest-xray-pneumonia
"""

import argparse
import logging
import os
import tempfile
import time

from skcxr.utils._console import quiet_tensorflow

quiet_tensorflow()  # no TensorFlow C++ start-up lines (TF_CPP_MIN_LOG_LEVEL=0 shows them)
# A fresh network per fold makes TensorFlow warn about retracing; harmless here.
logging.getLogger("tensorflow").setLevel(logging.ERROR)

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, cross_validate

QUICK_ENV = "SKCXR_EXAMPLE_QUICK"
DEFAULT_OUTPUT = "skcxr_output"
SCORERS = ("accuracy", "balanced_accuracy", "sensitivity", "specificity", "roc_auc")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Patient-grouped cross-validation")
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT,
                        help="where results go (default: %(default)s; if it holds an earlier run, "
                             "a new timestamped folder)")
    parser.add_argument("--overwrite", action="store_true",
                        help="write into --output-dir even if it holds an earlier run")
    parser.add_argument("--quick", action="store_true",
                        help=f"tiny synthetic run for tests (also set by ${QUICK_ENV}=1)")
    parser.add_argument("--covid-root", help="covid-chestxray folder (metadata.csv + images/)")
    parser.add_argument("--pneumonia-root", help="Kermany {train,test}/{NORMAL,PNEUMONIA} folder")
    parser.add_argument("--adult-normal-root", help="adult healthy X-rays (adult-normal/)")
    parser.add_argument("--adult-fraction", type=float, default=0.5,
                        help="share of healthy images from --adult-normal-root (default 0.5)")
    parser.add_argument("--architecture", default=None,
                        help="network (default: small_cnn on synthetic data, else the "
                             "pipeline's five_block)")
    parser.add_argument("--folds", type=int, default=None, help="folds (default 5; quick: 2)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs per fold")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="parallel fits (loky backend; default: one at a time)")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    args.quick = args.quick or os.environ.get(QUICK_ENV, "") not in ("", "0")
    if (args.pneumonia_root or args.adult_normal_root) and not args.covid_root:
        parser.error("--pneumonia-root / --adult-normal-root need --covid-root")
    if args.covid_root and not (args.pneumonia_root or args.adult_normal_root):
        parser.error("--covid-root needs --pneumonia-root and/or --adult-normal-root")
    return args


def load_table(args, workdir):
    """The labelled table: the real folders, or synthetic X-rays written to workdir."""
    from skcxr.datasets import make_covid_dataset, make_synthetic_cxr, summarize_dataset

    if args.covid_root:
        healthy, roots = "chest-xray-pneumonia", None
        if args.adult_normal_root:
            roots = {"adult-normal": args.adult_normal_root}
            healthy = ({"chest-xray-pneumonia": 1 - args.adult_fraction,
                        "adult-normal": args.adult_fraction}
                       if args.pneumonia_root else "adult-normal")
        table = make_covid_dataset(args.covid_root, args.pneumonia_root, healthy=healthy,
                                   healthy_roots=roots, random_state=args.random_state)
    else:
        n = 48 if args.quick else 240
        print(f"synthetic data: {n} images of 64 px (pass --covid-root for the real X-rays)")
        table = make_synthetic_cxr(n, workdir, image_size=64, random_state=args.random_state)
    print(summarize_dataset(table))
    return table


def make_pipeline(args):
    from skcxr import make_default_pipeline

    synthetic = not args.covid_root
    params = {"classifier__architecture":
              args.architecture or ("small_cnn" if synthetic else "five_block"),
              "classifier__random_state": args.random_state}
    if args.quick:
        params.update(loader__size=(32, 32), classifier__epochs=2, classifier__batch_size=16,
                      classifier__augmentation=None, classifier__validation_split=0.0,
                      classifier__early_stopping=None)
    elif synthetic:
        params.update(loader__size=(64, 64), classifier__epochs=24, classifier__batch_size=8,
                      classifier__fc_units=64, classifier__augmentation=None,
                      classifier__validation_split=0.0, classifier__early_stopping=None)
    if args.epochs is not None:
        params["classifier__epochs"] = args.epochs
    return make_default_pipeline(**params)


def save_chart(path, per_fold):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for j, scorer in enumerate(SCORERS):
        values = per_fold[scorer].to_numpy()
        ax.plot(np.full(values.shape, j), values, "o", color="tab:blue", alpha=0.6)
        ax.errorbar(j + 0.15, values.mean(), yerr=values.std(), fmt="s", color="black",
                    capsize=4)
    ax.set_xticks(range(len(SCORERS)), SCORERS)
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel("score")
    ax.set_title(f"{len(per_fold)} patient-grouped folds (dots) and mean ± std (squares)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    """Cross-validate; return the per-fold table and the mean ± std table."""
    from skcxr.utils._console import output_folder
    from skcxr.metrics import get_scorers
    from skcxr.model_selection import search_progress

    args = parse_args(argv)
    try:
        out = output_folder(args.output_dir, overwrite=args.overwrite, default=DEFAULT_OUTPUT)
    except FileExistsError as exc:
        raise SystemExit(f"error: {exc}") from None
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        table = load_table(args, workdir)
        pipe = make_pipeline(args)
        folds = args.folds or (2 if args.quick else 5)
        cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=args.random_state)
        print(f"cross-validating {pipe.get_params()['classifier__architecture']} over {folds} "
              "folds grouped by patient ...")
        with search_progress():  # one line per finished fold, with the time left
            scores = cross_validate(
                pipe, table["path"], table["label"], groups=table["patientid"], cv=cv,
                scoring=get_scorers(zero_division=0.0), n_jobs=args.n_jobs,
                error_score="raise", pre_dispatch="all")

    per_fold = pd.DataFrame({scorer: scores[f"test_{scorer}"] for scorer in SCORERS})
    per_fold["fit_s"] = scores["fit_time"]
    per_fold.index = pd.RangeIndex(1, folds + 1, name="fold")
    print("\nper fold:")
    print(per_fold.to_string(float_format="{:.3f}".format))
    mean_std = pd.DataFrame({"mean": per_fold[list(SCORERS)].mean(),
                             "std": per_fold[list(SCORERS)].std(ddof=0)})
    print(f"\nmean ± std over {folds} folds:")
    for scorer, row in mean_std.iterrows():
        print(f"  {scorer:<18} {row['mean']:.3f} ± {row['std']:.3f}")

    per_fold.to_csv(out / "cross_validation.csv")
    save_chart(out / "cross_validation.png", per_fold)
    print(f"\nsaved {out / 'cross_validation.csv'} and {out / 'cross_validation.png'}")
    print(f"total time {time.perf_counter() - start:.0f} s")
    return {"per_fold": per_fold, "mean_std": mean_std}


if __name__ == "__main__":
    main()
