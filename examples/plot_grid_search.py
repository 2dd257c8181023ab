"""
Tune epochs, batch size and the FC layer with a patient-grouped grid search
===========================================================================

The study tuned "the batch size, epochs and the FC layer" by trial and error
against its test set. This example does it the scikit-learn way, on training
patients only:

* hold out about 25 % of the patients for a final test (one fold of
  :class:`~sklearn.model_selection.StratifiedGroupKFold`);
* :class:`~sklearn.model_selection.GridSearchCV` over ``classifier__epochs``,
  ``classifier__batch_size`` and ``classifier__fc_units`` on the remaining
  patients, with an inner ``StratifiedGroupKFold`` grouped by patient (a
  patient's images are never on both sides of a fold), scored with every
  scorer of :func:`skcxr.metrics.get_scorers` (accuracy, balanced accuracy,
  sensitivity, specificity, ROC AUC) and refitted on the one named by
  ``--refit``;
* print the candidates as a table sorted by the refit score (mean ± std over
  the folds, and fit time), save it as ``grid_search_results.csv`` and a bar
  chart ``grid_search.png``, and print the study's two tables for the refitted
  best model on the held-out patients.

The pipeline is built with ``memory=``: its loader and normaliser are stateless,
so their output for a fold's training images is computed once and reused by
every candidate (a joblib cache in a temporary folder) instead of decoding the
same files again for each combination.

On the synthetic default (240 images of 64 px) the network is the small CNN
(``small_cnn``), so that the 8 candidates x 3 folds train in a few minutes on
2 CPU cores; ``--architecture five_block`` searches the study's network.
``--n-jobs 2`` runs fits in parallel with joblib's default ``loky`` backend
(never a fork-based one once TensorFlow has run: it deadlocks).

Refitting on ``sensitivity`` alone rewards a model that calls everything
``covid``; look at specificity beside it.

Usage::

    python examples/plot_grid_search.py [--refit accuracy|sensitivity|...] [--quick]
    python examples/plot_grid_search.py --covid-root ../shared/data/covid-chestxray \\
        --pneumonia-root ../shared/data/chest-xray-pneumonia --architecture five_block
"""

import argparse
import logging
import os
import tempfile
import time

from skcxr.utils._console import quiet_tensorflow

quiet_tensorflow()  # no TensorFlow C++ start-up lines (TF_CPP_MIN_LOG_LEVEL=0 shows them)
# A fresh network per fit makes TensorFlow warn about retracing; harmless here.
logging.getLogger("tensorflow").setLevel(logging.ERROR)

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold

QUICK_ENV = "SKCXR_EXAMPLE_QUICK"
DEFAULT_OUTPUT = "skcxr_output"
REFIT_CHOICES = ("accuracy", "balanced_accuracy", "sensitivity", "specificity", "roc_auc")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Patient-grouped grid search of the pipeline")
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
    parser.add_argument("--refit", default="accuracy", choices=REFIT_CHOICES,
                        help="scorer that picks the best candidate (default: accuracy)")
    parser.add_argument("--architecture", default=None,
                        help="network (default: small_cnn on synthetic data, else the "
                             "pipeline's five_block)")
    parser.add_argument("--folds", type=int, default=None, help="inner CV folds (default 3)")
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
        n = 60 if args.quick else 240
        print(f"synthetic data: {n} images of 64 px (pass --covid-root for the real X-rays)")
        table = make_synthetic_cxr(n, workdir, image_size=64, random_state=args.random_state)
    print(summarize_dataset(table))
    return table


def search_space(args):
    """The pipeline's fixed settings and the grid searched over."""
    synthetic = not args.covid_root
    architecture = args.architecture or ("small_cnn" if synthetic else "five_block")
    fixed = {"classifier__architecture": architecture,
             "classifier__random_state": args.random_state,
             "classifier__early_stopping": None}
    if args.quick:
        fixed.update(loader__size=(32, 32), classifier__augmentation=None,
                     classifier__validation_split=0.0)
        grid = {"classifier__epochs": [1, 2], "classifier__batch_size": [16],
                "classifier__fc_units": [8]}
    elif synthetic:
        fixed.update(loader__size=(64, 64), classifier__augmentation=None,
                     classifier__validation_split=0.0)
        grid = {"classifier__epochs": [8, 16], "classifier__batch_size": [8, 16],
                "classifier__fc_units": [16, 64]}
    else:  # the study's network: its head is (512, 128, 64); try a smaller one
        grid = {"classifier__epochs": [15, 30], "classifier__batch_size": [16, 32],
                "classifier__fc_units": [(512, 128, 64), (128, 64)]}
    return fixed, grid


def results_table(search, refit):
    """cv_results_ as one row per candidate, sorted by the refit score."""
    res = pd.DataFrame(search.cv_results_)
    table = pd.DataFrame({name.replace("param_classifier__", ""): res[name]
                          for name in res if name.startswith("param_")})
    for scorer in REFIT_CHOICES:
        mean, std = res[f"mean_test_{scorer}"], res[f"std_test_{scorer}"]
        table[scorer] = [f"{m:.3f} ± {s:.3f}" for m, s in zip(mean, std)]
    table["fit_s"] = res["mean_fit_time"].round(1)
    table["rank"] = res[f"rank_test_{refit}"]
    return table.sort_values(["rank", "fit_s"]).reset_index(drop=True), res


def save_chart(path, res, refit, data_name):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skcxr.plotting import plot_search_results

    ax = plot_search_results(res, metric=refit, param_prefix="classifier__",
                             title=f"grid search on {data_name}, best first")
    ax.figure.tight_layout()
    ax.figure.savefig(path, dpi=100)
    plt.close(ax.figure)


def main(argv=None):
    """Run the search; return the sorted results table, the search and the test summary."""
    from joblib import Memory

    from skcxr import make_default_pipeline
    from skcxr.utils._console import output_folder
    from skcxr.metrics import classification_summary, get_scorers
    from skcxr.model_selection import search_progress

    args = parse_args(argv)
    try:
        out = output_folder(args.output_dir, overwrite=args.overwrite, default=DEFAULT_OUTPUT)
    except FileExistsError as exc:
        raise SystemExit(f"error: {exc}") from None
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        table = load_table(args, workdir)
        outer = StratifiedGroupKFold(n_splits=4, shuffle=True, random_state=args.random_state)
        train_idx, test_idx = next(outer.split(table, table["label"], groups=table["patientid"]))
        train, test = table.iloc[train_idx], table.iloc[test_idx]
        print(f"search on {len(train)} images ({train['patientid'].nunique()} patients), "
              f"final test on {len(test)} held-out images ({test['patientid'].nunique()} patients)")

        fixed, grid = search_space(args)
        memory = Memory(location=os.path.join(workdir, "cache"), verbose=0)
        pipe = make_default_pipeline(memory=memory, **fixed)
        folds = args.folds or (2 if args.quick else 3)
        cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=args.random_state)
        search = GridSearchCV(pipe, grid, scoring=get_scorers(zero_division=0.0),
                              refit=args.refit, cv=cv, n_jobs=args.n_jobs, verbose=1,
                              error_score="raise", pre_dispatch="all")
        n_fits = folds * int(np.prod([len(v) for v in grid.values()]))
        print(f"fitting {n_fits} pipelines ({fixed['classifier__architecture']}), "
              f"then refitting the best by {args.refit} ...")
        with search_progress():  # one line per finished fit, with the time left
            search.fit(train["path"], train["label"], groups=train["patientid"])

        sorted_table, res = results_table(search, args.refit)
        print(f"\ncandidates sorted by {args.refit} (mean ± std over {folds} "
              "patient-grouped folds):")
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(sorted_table.to_string(index=False))
        best = {k.replace("classifier__", ""): v for k, v in search.best_params_.items()}
        print(f"\nbest by {args.refit}: {best} ({search.best_score_:.3f})")

        proba = search.predict_proba(test["path"])
    classes = search.classes_
    summary = classification_summary(
        test["label"], classes[proba.argmax(axis=1)], proba, classes=classes,
        groups=test["patientid"], random_state=args.random_state, zero_division=0.0)
    print(f"\nthe refitted best model on the held-out patients:\n{summary}")

    sorted_table.to_csv(out / "grid_search_results.csv", index=False)
    data_name = "the real X-rays" if args.covid_root else "synthetic X-rays"
    save_chart(out / "grid_search.png", res, args.refit,
               f"{data_name} ({len(train)} training images)")
    print(f"\nsaved {out / 'grid_search_results.csv'} and {out / 'grid_search.png'}")
    print(f"total time {time.perf_counter() - start:.0f} s")
    return {"results": sorted_table, "search": search, "summary": summary}


if __name__ == "__main__":
    main()
