"""Benchmark: the 2020 study's own table under its own protocol, then honestly.

The study (``../shared/seed/study-report.txt``) trained a five-block CNN on 505
images (250 COVID-19 / 255 non-COVID-19: the COVID collection's frontal X-rays,
its other findings, and Kermany NORMAL children to balance) and reported one
random train/test split: accuracy 0.8713, sensitivity 0.88, specificity 0.8627.

Here the same table is built at the same size (seeded): 250 COVID-19 images
drawn from the cleaned collection, all its non-COVID frontal X-rays (other
pneumonias, SARS, ARDS, "No Finding"), and Kermany NORMAL images to 255
(``make_covid_dataset(covid_root, pneumonia_root, healthy="chest-xray-pneumonia")``:
the study's choice, passed explicitly). The study's recipe is
``skcxr.make_default_pipeline()`` (five-block CNN, defaults unchanged,
``classifier__random_state`` per fit), labelled by its own ``predict``. Three
protocols, same table:

(1) **study protocol**: random stratified 80/20 splits by image, one per seed
    (``--seeds``, default 10): a patient's other films can sit in training;
(2) **patient-grouped**: ``StratifiedGroupKFold(5, shuffle=True)`` by patient,
    each fold a grouped 80/20 (``--grouped-repeats`` x 5 fits);
(3) **held-out sources**: every model of (1) and (2) also labels every image of
    ``adult-normal`` (healthy adults) and ``tbx11k`` (adult tuberculosis), which
    the study's table never contains: specificity only (all are non-COVID).

Tables are :func:`skcxr.metrics.classification_summary` (the study's Table 1
and Table 2 with 95 % bootstrap intervals resampling patients), averaged over
the fits with their range. Each fit's predictions are cached as a pickle in
``--cache`` (default ``/tmp/skcxr_bench_study``): a rerun only prints.

Usage::

    python benchmarks/bench_study.py [--data PATH] [--cache DIR] [--seeds 10]
        [--grouped-repeats 1] [--print-only]
"""

import argparse
import os
import pickle
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, train_test_split
from sklearn.utils import check_random_state

from skcxr.datasets import (DuplicateImageWarning, load_healthy_folder, load_tbx11k,
                            make_covid_dataset)
from skcxr.metrics import classification_summary
# benchmarks/ is sys.path[0] when run as a script
from _common import ADULT, COVID, KERMANY, default_data_root

#: The study's Table 2 (and its table's size).
PAPER = {"accuracy": 0.8713, "sensitivity": 0.88, "specificity": 0.8627}
N_COVID, N_NON_COVID = 250, 255
METRICS = ["accuracy", "sensitivity", "specificity", "roc_auc"]
HELD_OUT = [ADULT, "tbx11k"]


def study_table(data, random_state=0):
    """The study's 505-image table: 250 covid, the collection's non-covid, Kermany NORMAL."""
    data = Path(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateImageWarning)
        full = make_covid_dataset(data / COVID, data / KERMANY, healthy=KERMANY,
                                  random_state=random_state)
    rng = check_random_state(random_state)
    covid = full[full["label"] == "covid"]
    others = full[(full["label"] == "non-covid") & (full["source"] == COVID)]
    kermany = full[full["source"] == KERMANY]
    n_kermany = N_NON_COVID - len(others)
    if not 0 <= n_kermany <= len(kermany) or len(covid) < N_COVID:
        raise ValueError(f"cannot build {N_COVID}/{N_NON_COVID} from {len(covid)} covid, "
                         f"{len(others)} collection non-covid, {len(kermany)} Kermany")
    parts = [covid.iloc[np.sort(rng.choice(len(covid), N_COVID, replace=False))], others,
             kermany.iloc[np.sort(rng.choice(len(kermany), n_kermany, replace=False))]]
    return pd.concat(parts, ignore_index=True)


def held_out_table(data):
    data = Path(data)
    adult = load_healthy_folder(data / ADULT)
    adult["label"] = "non-covid"
    tb = load_tbx11k(data / "tbx11k-tb")
    columns = ["path", "label", "patientid", "source"]
    return pd.concat([adult[columns], tb[columns]], ignore_index=True)


def splits(table, n_seeds, n_grouped_repeats):
    """(name, seed, train, test) in an order that makes a partial run useful."""
    y, groups = table["label"].to_numpy(), table["patientid"].to_numpy()
    index = np.arange(len(table))
    random = [("random", seed, *train_test_split(index, test_size=0.2, stratify=y,
                                                  random_state=seed))
              for seed in range(n_seeds)]
    grouped = []
    for repeat in range(n_grouped_repeats):
        cv = StratifiedGroupKFold(5, shuffle=True, random_state=repeat)
        grouped += [("grouped", 5 * repeat + k, train, test)
                    for k, (train, test) in enumerate(cv.split(index, y, groups))]
    order = [s for pair in zip(random[:5], grouped[:5]) for s in pair]
    return order + random[5:] + grouped[5:] + random[len(order) // 2:5] + grouped[
        len(order) // 2:5]


def fit_one(table, train, test, seed, held_out_X, params):
    """Fit the study's recipe on ``train``; scores and labels on ``test`` and the held-out."""
    from skcxr import make_default_pipeline

    pipe = make_default_pipeline(classifier__random_state=seed, **params)
    start = time.perf_counter()
    pipe.fit(table["path"].to_numpy()[train].tolist(), table["label"].to_numpy()[train])
    seconds = time.perf_counter() - start
    classes = list(pipe.classes_)
    proba = pipe.predict_proba(table["path"].to_numpy()[test].tolist())
    held = pipe[-1].predict_proba(held_out_X())
    return {"train": train, "test": test, "classes": classes, "fit_seconds": seconds,
            "y_score": proba[:, classes.index("covid")],
            "y_pred": np.asarray(classes)[proba.argmax(axis=1)],
            "held_out_score": held[:, classes.index("covid")],
            "held_out_pred": np.asarray(classes)[held.argmax(axis=1)]}


def run(table, held, cache, order, print_only, params):
    arrays = {}

    def held_out_X():  # loader + normaliser are stateless: decode the held-out images once
        if "X" not in arrays:
            from skcxr import make_default_pipeline

            steps = make_default_pipeline(**params)[:-1]
            arrays["X"] = steps.fit_transform(held["path"].tolist())
        return arrays["X"]

    results = []
    for name, seed, train, test in order:
        file = cache / f"{name}_{seed}.pkl"
        if file.is_file():
            result = pickle.loads(file.read_bytes())
        elif print_only:
            continue
        else:
            result = fit_one(table, train, test, seed, held_out_X, params)
            file.write_bytes(pickle.dumps(result))
        if not np.array_equal(result["test"], test):
            raise RuntimeError(f"{file} was made for another table or split; delete {cache}")
        results.append((name, seed, result))
        s = summarize(table, result, n_bootstraps=0).overall["value"]
        print(f"{name:8s} seed {seed:2d}: accuracy {s['accuracy']:.3f} sensitivity "
              f"{s['sensitivity']:.3f} specificity {s['specificity']:.3f} roc_auc "
              f"{s['roc_auc']:.3f} (fit {result['fit_seconds']:.0f} s)", flush=True)
    return results


def summarize(table, result, n_bootstraps=1000):
    test = result["test"]
    return classification_summary(
        table["label"].to_numpy()[test], result["y_pred"], result["y_score"],
        groups=table["patientid"].to_numpy()[test], n_bootstraps=n_bootstraps, random_state=0,
        zero_division=0.0)


def per_source(table, held, result):
    """Specificity on each non-covid source of the test split and of the held-out sources."""
    test = table.iloc[result["test"]]
    out = {}
    negative = (test["label"] == "non-covid").to_numpy()
    for source in (COVID, KERMANY):
        rows = negative & (test["source"] == source).to_numpy()
        out[f"spec {source} (test)"] = float(np.mean(result["y_pred"][rows] == "non-covid"))
    for source in HELD_OUT:
        rows = (held["source"] == source).to_numpy()
        out[f"spec {source} (held out)"] = float(
            np.mean(result["held_out_pred"][rows] == "non-covid"))
    train_patients = set(table["patientid"].iloc[result["train"]])
    out["test images whose patient is in training"] = float(
        test["patientid"].isin(train_patients).mean())
    return out


def protocol_frame(table, held, results, name):
    rows = []
    for protocol, seed, result in results:
        if protocol != name:
            continue
        summary = summarize(table, result)
        row = {"seed": seed}
        for metric in METRICS:
            row[metric] = summary.overall.loc[metric, "value"]
            row[f"{metric}_lo"] = summary.overall.loc[metric, "ci_lower"]
            row[f"{metric}_hi"] = summary.overall.loc[metric, "ci_upper"]
        for label, values in summary.per_class.iterrows():
            for column in ("precision", "recall", "f1-score", "support"):
                row[f"{column} {label}"] = values[column]
        row.update(per_source(table, held, result))
        rows.append(row)
    return pd.DataFrame(rows)


def fmt(frame, column):
    v = frame[column]
    return f"{v.mean():.3f} [{v.min():.3f}-{v.max():.3f}]"


def report(table, held, results):
    frames = {name: protocol_frame(table, held, results, name) for name in ("random", "grouped")}
    frames = {k: v for k, v in frames.items() if len(v)}
    if not frames:
        print("no fit cached yet")
        return
    first = next((r for p, s, r in results if p == "random" and s == 0), None)
    if first is not None:
        print("\n=== one random 80/20 split (seed 0), the study's protocol, as the study "
              f"printed it ===\n{summarize(table, first)}")
    print("\n=== Table 2: mean [min-max] over fits; 95 % CI = mean of each fit's patient "
          "bootstrap interval ===")
    head = f"{'metric':12s} {'paper':>7s} " + "".join(
        f"{f'{name} ({len(frame)} fits)':>38s}" for name, frame in frames.items())
    print(head)
    for metric in METRICS:
        line = f"{metric:12s} {PAPER.get(metric, float('nan')):7.4f} "
        for frame in frames.values():
            ci = f"CI {frame[f'{metric}_lo'].mean():.3f}-{frame[f'{metric}_hi'].mean():.3f}"
            line += f"{fmt(frame, metric) + ' ' + ci:>38s}"
        print(line)
    for name, frame in frames.items():
        print(f"{name}: {int((frame['accuracy'] >= PAPER['accuracy']).sum())} of {len(frame)} "
              f"fits reach the paper's accuracy {PAPER['accuracy']}; accuracies "
              + " ".join(f"{v:.3f}" for v in frame["accuracy"]))
    print("\n=== Table 1: per class, mean [min-max] over fits (paper: covid 0.86 / 0.88 / "
          "0.87, non-covid 0.88 / 0.86 / 0.87) ===")
    for label in ("covid", "non-covid"):
        for column in ("precision", "recall", "f1-score"):
            print(f"{label:10s} {column:10s}" + "".join(
                f"{fmt(frame, f'{column} {label}'):>38s}" for frame in frames.values()))
    print("\n=== specificity by non-covid source (test split) and on held-out sources "
          "(every image), mean [min-max] ===")
    extra = [c for c in next(iter(frames.values())).columns if c.startswith("spec ")]
    extra.append("test images whose patient is in training")
    for column in extra:
        print(f"{column:45s}" + "".join(f"{fmt(frame, column):>30s}"
                                        for frame in frames.values()))
    counts = held.groupby("source").size().to_dict()
    print(f"(held-out images: {counts}; collection non-covid in the table: "
          f"{int(((table['source'] == COVID) & (table['label'] == 'non-covid')).sum())}, "
          f"Kermany: {int((table['source'] == KERMANY).sum())})")
    if "grouped" in frames:
        pooled = [(r["test"], r) for p, s, r in results if p == "grouped" and s < 5]
        if len(pooled) == 5:
            test = np.concatenate([t for t, _ in pooled])
            summary = classification_summary(
                table["label"].to_numpy()[test], np.concatenate([r["y_pred"] for _, r in pooled]),
                np.concatenate([r["y_score"] for _, r in pooled]),
                groups=table["patientid"].to_numpy()[test], random_state=0,
                zero_division=0.0)
            print(f"\n=== patient-grouped 5-fold, pooled out-of-fold (each image once) ===\n"
                  f"{summary}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data_root())
    parser.add_argument("--cache", default="/tmp/skcxr_bench_study")
    parser.add_argument("--seeds", type=int, default=10, help="random 80/20 splits")
    parser.add_argument("--grouped-repeats", type=int, default=1,
                        help="repeats of the patient-grouped 5-fold split (5 fits each)")
    parser.add_argument("--print-only", action="store_true", help="report the cached fits only")
    parser.add_argument("--reverse", action="store_true",
                        help="fit in reverse order (a second worker sharing the cache)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 32 px, 1 epoch, 1 split each, cache in <cache>_quick")
    args = parser.parse_args()
    params, cache = {}, Path(args.cache)
    if args.quick:
        params = {"loader__size": (32, 32), "classifier__epochs": 1}
        args.seeds, cache = 1, Path(f"{args.cache}_quick")
    cache.mkdir(parents=True, exist_ok=True)
    table = study_table(args.data)
    held = held_out_table(args.data)
    print(f"study table: {len(table)} images, {table['patientid'].nunique()} patients; "
          f"{table.groupby(['source', 'label']).size().to_dict()}", flush=True)
    order = splits(table, args.seeds, args.grouped_repeats)
    if args.quick:
        order = order[:2]
    run_order = order[::-1] if args.reverse else order
    start = time.perf_counter()
    results = run(table, held, cache, run_order, args.print_only, params)
    print(f"({len(results)} fits, wall {time.perf_counter() - start:.0f} s)")
    report(table, held, results)


if __name__ == "__main__":
    main()
