"""Benchmark: pretrained ImageNet recipes against skcxr's default pipeline.

Same tables, folds and scoring as ``bench_shortcut`` / ``bench_hard_negatives``:
5-fold ``StratifiedGroupKFold`` by patient (shuffle, seed 0), pooled
out-of-fold predictions scored with
:func:`skcxr.model_selection.evaluate_by_source`, on the study table
(healthy = Kermany NORMAL) and the mixed table (healthy = 50 % Kermany, 50 %
adult-normal); then the cross-source check (fit on the study table, test on
every ``adult-normal`` image). Recipes:

(a) ``make_default_pipeline(classifier__random_state=seed)`` (five-block CNN);
(b) frozen MobileNetV2 features, the weights README's simple recipe (224 px,
    ``out_relu``, average pooling, no flip) + standardised balanced logistic
    regression, C chosen by an inner 5-fold patient-grouped CV of each
    training fold;
(c) MobileNetV2 fine-tuned: ``CXRClassifier("mobilenet_v2")`` with its last
    ``--ft-blocks`` blocks trainable (BatchNorm frozen), augmentation, balanced
    class weights, ``--ft-size`` px, ``--ft-epochs`` epochs;
(d) ``make_pretrained_pipeline()`` (the recommended recipe: 320 px, the pooled
    ``block_13_expand_relu`` and ``out_relu`` maps, flip averaging, C = 0.03);
(e) the same with C chosen by the inner CV of (b);
(f) fully nested: the feature set *and* C chosen by the inner patient-grouped
    CV of each training fold, among 4 feature sets (320 px, flip: block 13;
    block 13 + out_relu; blocks 10, 13, 16 + out_relu; (d)'s block 13
    avg+grid + out_relu) x C in {0.01, 0.03, 0.1}: 12 candidates, all cut
    from one embedding of every image (an honest estimate of choosing (d)'s
    settings on these data).

Columns: accuracy, sensitivity, specificity, ROC AUC (all images), AUC inside
the COVID collection (COVID vs its other findings), specificity per healthy
source, cross-source specificity on adult-normal, wall time per fold.

``--search`` instead times a 5-fold patient-grouped ``GridSearchCV`` of
``len(C) x len(class_weight)`` candidates over the recommended pipeline on the
study table's 840 images and counts the images run through the network.

Usage::

    python benchmarks/bench_pretrained.py [--recipes abcde] [--tables study,mixed]
        [--no-cross] [--data PATH] [--weights PATH]
    python benchmarks/bench_pretrained.py --search
"""

import argparse
import os
import re
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from skcxr import CXRClassifier, XRayLoader, make_default_pipeline, make_pretrained_pipeline
from skcxr.datasets import load_healthy_folder
from skcxr.features import clear_feature_cache, embedding_stats
from skcxr.metrics import specificity_score
from skcxr.model_selection import evaluate_by_source
from skcxr.preprocessing import XRayNormalizer
# benchmarks/ is sys.path[0] when run as a script
from _common import ADULT, COVID, KERMANY, default_data_root, default_weights_root, real_table

C_GRID = [0.003, 0.01, 0.03, 0.1, 0.3]


def inner_cv(seed):
    return StratifiedGroupKFold(5, shuffle=True, random_state=seed + 1)


def with_inner_c(pipe, seed):
    """The pipeline with its logistic regression's C chosen by a patient-grouped inner CV.

    The search is the pipeline's last step, so the images are loaded and
    embedded once per outer fold; ``classifier__groups`` routes the patient ids.
    """
    head = pipe.named_steps["classifier"]
    search = GridSearchCV(head, {"C": C_GRID}, cv=inner_cv(seed), scoring="roc_auc")
    return pipe.set_params(classifier=search)


#: (f)'s candidate feature sets: (layer, pooling) pairs cut from one embedding
NESTED_LAYERS = ["block_10_expand_relu", "block_13_expand_relu", "block_16_expand_relu", "out_relu"]
NESTED_POOLING = ["avg", "avg+grid", "avg", "avg"]
NESTED_SETS = {
    "b13": ["block_13_expand_relu_avg"],
    "b13+out": ["block_13_expand_relu_avg", "out_relu_avg"],
    "b10+b13+b16+out": ["block_10_expand_relu_avg", "block_13_expand_relu_avg",
                        "block_16_expand_relu_avg", "out_relu_avg"],
    "b13 avg+grid + out (d)": ["block_13_expand_relu_avg", "block_13_expand_relu_grid",
                               "out_relu_avg"],
}


def _feature_columns(names, prefixes):
    """Columns named ``<prefix><index>`` or, for grid pooling, ``<prefix>_<cell><index>``."""
    pattern = re.compile(f"({'|'.join(map(re.escape, prefixes))})(_(tl|tr|bl|br))?[0-9]+")
    return np.flatnonzero([pattern.fullmatch(n) is not None for n in names])


def pretrained_pipeline(**params):
    """The pretrained recipe's ``Pipeline`` (the estimator inside the threshold-carrying
    model :func:`skcxr.make_pretrained_pipeline` returns): the recorded runs scored
    it by its own ``predict`` (threshold 0.5) and by ROC AUC, so they stay comparable."""
    return make_pretrained_pipeline(gate=None, **params).estimator


def _take(X, columns):
    return X[:, columns]


def nested_recipe(seed):
    """(f): one embedding, then GridSearchCV over (feature set, C) inside each training fold."""
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    pipe = pretrained_pipeline(embedder__layer=NESTED_LAYERS,
                                    embedder__pooling=NESTED_POOLING)
    emb = pipe.named_steps["embedder"]
    names = emb.fit(np.zeros((1, 32, 32, 1), np.uint8)).get_feature_names_out()
    sets = [{"columns": _feature_columns(names, p)} for p in NESTED_SETS.values()]
    head = Pipeline([("select", FunctionTransformer(_take)), ("scaler", StandardScaler()),
                     ("lr", LogisticRegression(class_weight="balanced", max_iter=2000))])
    grid = {"select__kw_args": sets, "lr__C": [0.01, 0.03, 0.1]}
    search = GridSearchCV(head, grid, cv=inner_cv(seed), scoring="roc_auc")
    return Pipeline(pipe.steps[:3] + [("classifier", search)])


def recipes(args):
    seed = args.seed

    def simple():
        return pretrained_pipeline(loader__size=(224, 224), embedder__layer="out_relu",
                                        embedder__pooling="avg",
                                        embedder__flip=False)

    finetune = Pipeline([
        ("loader", XRayLoader(size=(args.ft_size, args.ft_size), color_mode="grayscale",
                              resize="crop", dtype="uint8")),
        ("normalizer", XRayNormalizer(method="clahe")),
        ("classifier", CXRClassifier(
            "mobilenet_v2",
            architecture_params={"weights": "imagenet", "trainable_blocks": args.ft_blocks},
            fc_units=(64,), dropout=0.3, learning_rate=1e-3, epochs=args.ft_epochs,
            batch_size=32, class_weight="balanced", augmentation=True, random_state=seed)),
    ])
    return {
        "a": ("(a) make_default_pipeline (five-block CNN)",
              lambda: make_default_pipeline(classifier__random_state=seed), False),
        "b": ("(b) MobileNetV2 out_relu 224 px + LR (inner-CV C)",
              lambda: with_inner_c(simple(), seed), True),
        "c": (f"(c) MobileNetV2 fine-tuned, last {args.ft_blocks} blocks, {args.ft_size} px, "
              f"{args.ft_epochs} ep",
              lambda: finetune, False),
        "d": ("(d) make_pretrained_pipeline() (C 0.03)",
              lambda: pretrained_pipeline(), False),
        "e": ("(e) make_pretrained_pipeline + LR (inner-CV C)",
              lambda: with_inner_c(pretrained_pipeline(), seed), True),
        "f": ("(f) nested: feature set and C by inner CV",
              lambda: nested_recipe(seed), True),
    }


def summary_row(name, table_name, frame, seconds, folds, cross):
    rows = frame.set_index("source")
    row = {"recipe": name, "table": table_name}
    for metric in ("accuracy", "sensitivity", "specificity", "roc_auc"):
        row[metric] = rows.loc["all", metric]
    row["auc_inside_covid"] = rows.loc[COVID, "roc_auc"]
    row["spec_non_covid_adults"] = rows.loc[COVID, "specificity"]
    for source in (KERMANY, ADULT):
        row[f"spec_{source}"] = rows.loc[source, "specificity"] if source in rows.index else np.nan
    row["cross_spec_adult"] = cross
    row["s_per_fold"] = seconds / folds
    return row


def run_tables(args):
    data = Path(args.data)
    tables = {}
    if "study" in args.tables:
        tables["study"] = real_table(data, random_state=args.seed)
    if "mixed" in args.tables:
        tables["mixed"] = real_table(data, healthy={KERMANY: 0.5, ADULT: 0.5},
                                     random_state=args.seed)
    study = tables.get("study", real_table(data, random_state=args.seed))
    adults = load_healthy_folder(data / ADULT).assign(label="non-covid")
    for name, table in tables.items():
        counts = table.groupby(["source", "label"]).size().to_dict()
        print(f"{name} table: {len(table)} images, {table['patientid'].nunique()} patients, "
              f"{counts}", flush=True)

    rows = []
    for key in args.recipes:
        name, make, grouped = recipes(args)[key]
        cross = np.nan
        for table_name, table in tables.items():
            print(f"\n=== {name}, {table_name} table: {args.folds}-fold grouped CV", flush=True)
            fit_params = {"classifier__groups": table["patientid"].to_numpy()} if grouped else None
            start = time.perf_counter()
            result = evaluate_by_source(make(), table, cv=args.folds, cross_source=False,
                                        fit_params=fit_params, random_state=args.seed,
                                        verbose=1)
            seconds = time.perf_counter() - start
            print(result, flush=True)
            frame = result.to_frame()
            rows.append(summary_row(name, table_name, frame, seconds, args.folds, np.nan))
            print(f"embedding stats so far: {embedding_stats()}", flush=True)
        if not args.no_cross:
            start = time.perf_counter()
            pipe = make()
            params = {"classifier__groups": study["patientid"].to_numpy()} if grouped else {}
            pipe.fit(study["path"], study["label"].to_numpy(), **params)
            cross = specificity_score(adults["label"].to_numpy(), pipe.predict(adults["path"]),
                                      pos_label="covid")
            print(f"cross-source: fit on the study table, specificity on {len(adults)} "
                  f"adult-normal images {cross:.3f} ({time.perf_counter() - start:.0f} s)",
                  flush=True)
            for row in rows:
                if row["recipe"] == name:
                    row["cross_spec_adult"] = cross

    frame = pd.DataFrame(rows)
    print("\n" + "=" * 78)
    print(f"SUMMARY ({args.folds}-fold StratifiedGroupKFold by patient, seed {args.seed}; pooled "
          "out-of-fold predictions; cross = fit on study table, specificity on adult-normal)")
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"embedding stats: {embedding_stats()}")
    return frame


def run_search(args):
    """Time a patient-grouped GridSearchCV over the recommended pipeline."""
    table = real_table(Path(args.data), random_state=args.seed)
    paths, y, groups = table["path"], table["label"].to_numpy(), table["patientid"].to_numpy()
    grid = {"classifier__C": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0],
            "classifier__class_weight": ["balanced", None]}
    n_candidates = int(np.prod([len(v) for v in grid.values()]))
    cv = StratifiedGroupKFold(5, shuffle=True, random_state=args.seed)
    print(f"{len(table)} images, {n_candidates} candidates x 5 patient-grouped folds", flush=True)

    if args.search_paths:
        _search_on_paths(paths, y, groups, grid, cv)

    clear_feature_cache()
    start = time.perf_counter()
    pipe = pretrained_pipeline()
    images = pipe[:2].fit_transform(paths)  # loader + CLAHE once
    loaded = time.perf_counter() - start
    search = GridSearchCV(pipe[2:], grid, cv=cv, scoring="roc_auc")
    search.fit(images, y, groups=groups)
    arrays = time.perf_counter() - start
    stats = embedding_stats()
    print(f"(2) images loaded once ({loaded:.1f} s), GridSearchCV over the embedder + head: "
          f"{arrays:.1f} s in all; images run through the network: {stats['embedded']} "
          f"(cache hits {stats['cache_hits']}); best {search.best_params_} "
          f"ROC AUC {search.best_score_:.3f}", flush=True)
    start = time.perf_counter()
    GridSearchCV(pipe[2:], grid, cv=cv, scoring="roc_auc").fit(images, y, groups=groups)
    print(f"(3) the same search again, features cached: {time.perf_counter() - start:.1f} s; "
          f"images run through the network in all: {embedding_stats()['embedded']}", flush=True)


def _search_on_paths(paths, y, groups, grid, cv):
    """The same search over the whole pipeline on the paths (slow: see the README)."""
    from joblib import Memory
    import tempfile

    clear_feature_cache()
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        pipe = pretrained_pipeline(memory=Memory(cache, verbose=0))
        search = GridSearchCV(pipe, grid, cv=cv, scoring="roc_auc")
        search.fit(paths, y, groups=groups)
        full = time.perf_counter() - start
    stats = embedding_stats()
    print(f"(1) GridSearchCV over make_pretrained_pipeline(memory=...) on the paths: "
          f"{full:.1f} s; images run through the network: {stats['embedded']} "
          f"(cache hits {stats['cache_hits']}); best {search.best_params_} "
          f"ROC AUC {search.best_score_:.3f}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data_root(), help="real data root")
    parser.add_argument("--weights", default=default_weights_root(),
                        help="folder of offline weights (sets $SKCXR_WEIGHTS)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--recipes", default="abcdef", help="subset of 'abcdef' (default all)")
    parser.add_argument("--tables", default="study,mixed", help="study, mixed or both")
    parser.add_argument("--no-cross", action="store_true", help="skip the cross-source check")
    parser.add_argument("--ft-size", type=int, default=160, help="(c) image size")
    parser.add_argument("--ft-epochs", type=int, default=5, help="(c) epochs")
    parser.add_argument("--ft-blocks", type=int, default=3, help="(c) trainable last blocks")
    parser.add_argument("--search", action="store_true", help="time the grid search instead")
    parser.add_argument("--search-paths", action="store_true",
                        help="with --search, also search the whole pipeline on the paths (slow)")
    args = parser.parse_args(argv)
    os.environ["SKCXR_WEIGHTS"] = str(args.weights)
    unknown = set(args.recipes) - set("abcdef")
    if unknown:
        parser.error(f"--recipes: unknown {sorted(unknown)}; choose from a, b, c, d, e, f")
    if args.search:
        return run_search(args)
    return run_tables(args)


if __name__ == "__main__":
    main()
