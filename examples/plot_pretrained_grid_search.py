"""
Grid-search a pretrained pipeline: frozen ImageNet features + logistic regression
==================================================================================

:func:`skcxr.make_pretrained_pipeline` turns X-rays into frozen MobileNetV2
ImageNet features (:class:`skcxr.features.XRayEmbedder`) and fits a
standardised logistic regression on them. Only the head learns, so a
patient-grouped grid search takes seconds instead of hours:

* hold out about 25 % of the patients for a final test (one fold of
  :class:`~sklearn.model_selection.StratifiedGroupKFold`);
* load and CLAHE-normalise the training images once (the pipeline's first two
  steps), then :class:`~sklearn.model_selection.GridSearchCV` over the
  embedder's ``layer`` or ``pooling`` and the head's ``C`` with an inner
  ``StratifiedGroupKFold`` grouped by patient. The embedder caches each
  image's features in the process, so every image goes through the network
  once per configuration however many folds and candidates see it (the script prints
  the count);
* print the candidates sorted by ROC AUC, save ``pretrained_grid_search.csv``
  and a bar chart ``pretrained_grid_search.png``, and print the study's two
  tables for the refitted best pipeline on the held-out patients.

``weights="imagenet"`` is looked up in ``$SKCXR_WEIGHTS`` first (``--weights``
sets it), then in Keras' cache, then downloaded. On the synthetic default the
backbone has random weights (no file needed) and the images are 64 px: the
numbers mean nothing there, the mechanics are the same.

Usage::

    python examples/plot_pretrained_grid_search.py [--quick]
    python examples/plot_pretrained_grid_search.py --covid-root ../shared/data/covid-chestxray \\
        --pneumonia-root ../shared/data/chest-xray-pneumonia --weights ../shared/weights
"""

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
logging.getLogger("tensorflow").setLevel(logging.ERROR)

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold

QUICK_ENV = "SKCXR_EXAMPLE_QUICK"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Patient-grouped grid search of the "
                                                 "pretrained pipeline")
    parser.add_argument("--output-dir", default="skcxr_output", help="where results go")
    parser.add_argument("--quick", action="store_true",
                        help=f"tiny synthetic run for tests (also set by ${QUICK_ENV}=1)")
    parser.add_argument("--covid-root", help="covid-chestxray folder (metadata.csv + images/)")
    parser.add_argument("--pneumonia-root", help="Kermany {train,test}/{NORMAL,PNEUMONIA} folder")
    parser.add_argument("--adult-normal-root", help="adult healthy X-rays (adult-normal/)")
    parser.add_argument("--adult-fraction", type=float, default=0.5,
                        help="share of healthy images from --adult-normal-root (default 0.5)")
    parser.add_argument("--weights", help="folder of offline weights (sets $SKCXR_WEIGHTS)")
    parser.add_argument("--folds", type=int, default=None, help="inner CV folds (default 5)")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    args.quick = args.quick or os.environ.get(QUICK_ENV, "") not in ("", "0")
    if (args.pneumonia_root or args.adult_normal_root) and not args.covid_root:
        parser.error("--pneumonia-root / --adult-normal-root need --covid-root")
    if args.covid_root and not (args.pneumonia_root or args.adult_normal_root):
        parser.error("--covid-root needs --pneumonia-root and/or --adult-normal-root")
    if args.weights:
        os.environ["SKCXR_WEIGHTS"] = args.weights
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
        n = 48 if args.quick else 160
        print(f"synthetic data: {n} images of 64 px (pass --covid-root for the real X-rays)")
        table = make_synthetic_cxr(n, workdir, image_size=64, random_state=args.random_state)
    print(summarize_dataset(table))
    return table


def search_space(args):
    """Fixed pipeline settings and the grid (layers x C)."""
    if args.covid_root:  # the recommended recipe on the real X-rays
        # the recipe's pooling (block 13 also per quadrant) against global averages only
        return {}, {"embedder__pooling": [["avg+grid", "avg"], "avg"],
                    "classifier__C": [0.003, 0.01, 0.03, 0.1, 0.3]}
    fixed = {"loader__size": (32, 32) if args.quick else (64, 64), "embedder__weights": None,
             "embedder__pooling": "avg", "embedder__flip": False}
    if args.quick:
        return fixed, {"embedder__layer": ["block_3_expand_relu"],
                       "classifier__C": [0.1, 1.0]}
    return fixed, {"embedder__layer": ["block_3_expand_relu", "block_6_expand_relu"],
                   "classifier__C": [0.01, 0.1, 1.0]}


def results_table(search):
    res = pd.DataFrame(search.cv_results_)
    table = pd.DataFrame({name.split("__")[-1]: res[name] for name in res
                          if name.startswith("param_")})
    for scorer in ("roc_auc", "accuracy", "sensitivity", "specificity"):
        table[scorer] = [f"{m:.3f} ± {s:.3f}" for m, s in
                         zip(res[f"mean_test_{scorer}"], res[f"std_test_{scorer}"])]
    table["fit_s"] = res["mean_fit_time"].round(2)
    table["rank"] = res["rank_test_roc_auc"]
    return table.sort_values(["rank", "fit_s"]).reset_index(drop=True), res


def save_chart(path, res):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = np.argsort(res["rank_test_roc_auc"].to_numpy(), kind="stable")
    labels = [", ".join(f"{k.split('__')[-1]}={v}" for k, v in res["params"][i].items())
              for i in order]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(order) + 1.2))
    ax.barh(np.arange(len(order)), res["mean_test_roc_auc"].to_numpy()[order],
            xerr=res["std_test_roc_auc"].to_numpy()[order], color="tab:green", alpha=0.8)
    ax.set_yticks(np.arange(len(order)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("ROC AUC (mean ± std over patient-grouped folds)")
    ax.set_title("pretrained pipeline grid search, best first")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    """Run the search; return the sorted results, the search and the test summary."""
    from skcxr import make_pretrained_pipeline
    from skcxr.features import clear_feature_cache, embedding_stats
    from skcxr.metrics import classification_summary, get_scorers

    args = parse_args(argv)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        table = load_table(args, workdir)
        outer = StratifiedGroupKFold(n_splits=4, shuffle=True, random_state=args.random_state)
        train_idx, test_idx = next(outer.split(table, table["label"], groups=table["patientid"]))
        train, test = table.iloc[train_idx], table.iloc[test_idx]
        print(f"search on {len(train)} images ({train['patientid'].nunique()} patients), "
              f"final test on {len(test)} held-out images ({test['patientid'].nunique()} patients)")

        fixed, grid = search_space(args)
        # the recipe's Pipeline (make_pretrained_pipeline returns it inside the model that
        # carries the threshold and the gate); the search tunes its embedder and head
        pipe = make_pretrained_pipeline(**fixed).estimator
        # loader + CLAHE once; the search varies only the embedder and the head
        images_train = pipe[:2].fit_transform(train["path"])
        images_test = pipe[:2].transform(test["path"])
    folds = args.folds or (2 if args.quick else 5)
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=args.random_state)
    search = GridSearchCV(pipe[2:], grid, scoring=get_scorers(zero_division=0.0),
                          refit="roc_auc", cv=cv, error_score="raise")
    n_candidates = int(np.prod([len(v) for v in grid.values()]))
    print(f"fitting {n_candidates} candidates x {folds} patient-grouped folds ...")
    clear_feature_cache(models=False)
    search_start = time.perf_counter()
    search.fit(images_train, train["label"], groups=train["patientid"])
    stats = embedding_stats()
    n_configs = int(np.prod([len(v) for k, v in grid.items() if k.startswith("embedder__")]))
    print(f"search took {time.perf_counter() - search_start:.1f} s; images run through the "
          f"network: {stats['embedded']} ({len(train)} images x {n_configs} embedder "
          f"setting(s)), "
          f"features reused from the cache: {stats['cache_hits']}")

    sorted_table, res = results_table(search)
    print(f"\ncandidates sorted by roc_auc (mean ± std over {folds} patient-grouped folds):")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(sorted_table.to_string(index=False))
    best = {k.split("__")[-1]: v for k, v in search.best_params_.items()}
    print(f"\nbest by roc_auc: {best} ({search.best_score_:.3f})")

    proba = search.predict_proba(images_test)
    classes = search.classes_
    summary = classification_summary(
        test["label"], classes[proba.argmax(axis=1)], proba, classes=classes,
        groups=test["patientid"], random_state=args.random_state, zero_division=0.0)
    print(f"\nthe refitted best pipeline on the held-out patients:\n{summary}")

    sorted_table.to_csv(out / "pretrained_grid_search.csv", index=False)
    save_chart(out / "pretrained_grid_search.png", res)
    print(f"\nsaved {out / 'pretrained_grid_search.csv'} and {out / 'pretrained_grid_search.png'}")
    print(f"total time {time.perf_counter() - start:.0f} s")
    return {"results": sorted_table, "search": search, "summary": summary}


if __name__ == "__main__":
    main()
