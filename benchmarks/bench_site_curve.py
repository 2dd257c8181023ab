"""Benchmark: "validate on your own hospital" - how many local images before the numbers hold.

For each source held out in leave-one-source-out (the COVID collection split by
region into ``covid-chestxray@europe`` / ``@asia`` / ``@other``,
``chest-xray-pneumonia``, ``adult-normal``, ``tbx11k``), the multi-source
recipe is trained on ``make_multisource_dataset(data, split_covid_by="region")``
without that source, plus k = 0, 10, 25, 50, 100 of the source's own images
(``--k``). The k images are drawn by patient (whole patients only, so no
patient is on both sides), half from each class where the source has both
(a class gives at most half of its images, the other class fills the rest);
draws are nested (the 25 contain the 10) and repeated ``--draws`` times with
other seeds. The held-out remainder of the source (every image of it,
``n_negatives="all"``, less the drawn patients) is then scored: sensitivity,
specificity, ROC AUC. A k whose remainder would keep fewer than ``--min-test``
images is skipped.

Recipe: ``skcxr.make_multisource_pipeline()``; its frozen MobileNetV2 features
are computed once for every image (``_sources_recipe.embed_all``, cached in
``--cache``, shared with bench_sources.py), so each fit is the recipe's scaler
and logistic regression. Threshold: the highest threshold whose sensitivity on
pooled out-of-fold scores of a patient-grouped 5-fold CV of the training rows
reaches 0.92, which the recipe's fitted estimator carries
(``skcxr.model_selection.SensitivityThresholdClassifierCV``, see
:func:`fit_with_threshold`). With ``--gate`` an
``skcxr.applicability.ApplicabilityGate`` is fitted on each training set
(first draw only; the recipe's ``gate`` parameter) and the share of the remainder it flags ``familiar=False``
is reported.

Every (source, k, draw) result is cached as a pickle in ``--cache``/site_curve;
a rerun only prints.

Usage::

    SKCXR_WEIGHTS=../shared/weights python benchmarks/bench_site_curve.py
        [--data PATH] [--cache DIR] [--k 0 10 25 50 100] [--draws 5] [--gate]
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
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state

from skcxr import make_multisource_pipeline
from skcxr.datasets import DuplicateImageWarning, make_multisource_dataset
from skcxr.metrics import sensitivity_score, specificity_score
# benchmarks/ is sys.path[0] when run as a script
from _common import default_data_root
from _sources_recipe import FeatureLookup, embed_all
from bench_sources import HOLDOUT, universe

POS, NEG = "covid", "non-covid"


def fit_with_threshold(head, X, y, groups, *, gate=None):
    """The recipe's threshold-carrying estimator fitted on ``(X, y)``; returns
    ``(fitted, threshold)``.

    ``make_multisource_pipeline()`` is a
    :class:`skcxr.model_selection.SensitivityThresholdClassifierCV`: at ``fit`` it
    sets the highest threshold whose sensitivity on pooled out-of-fold scores of a
    patient-grouped 5-fold CV of the training rows reaches 0.92, refits on every row
    and carries the threshold (and the gate, when given). ``head`` is that estimator
    with its image steps replaced by the features computed once.
    """
    fitted = clone(head).set_params(gate=gate).fit(X, y, groups=groups)
    return fitted, fitted.best_threshold_


def local_capacity(pool, local="both"):
    """Per class, the most images a draw may take: half of it where the pool has both.
    ``local="negatives"``: non-covid images only (half of them where the pool has covid)."""
    counts = pool["label"].value_counts()
    classes = [c for c in (POS, NEG) if counts.get(c, 0)]
    if local == "negatives":
        return {NEG: int(counts[NEG]) // 2 if POS in classes else int(counts[NEG])}
    return {c: int(counts[c]) // 2 if len(classes) == 2 else int(counts[c]) for c in classes}


def draw_local(pool, k, seed, allowed=None, local="both"):
    """Positions (in ``pool``) of up to k images drawn by whole patients (greedy over one
    seeded patient order per class, restricted to ``allowed`` patients when given); half
    per class where the pool has both, a small class's shortfall filled by the other."""
    rng = check_random_state(seed)
    cap = local_capacity(pool, local)
    classes = list(cap)
    want = {c: min(cap[c], k // len(classes)) for c in classes}
    for c in classes:  # the other class fills what a small class cannot give
        other = [o for o in classes if o != c]
        want[c] = min(cap[c], k - want[other[0]]) if other else min(cap[c], k)
    # a patient is taken whole: counted in every class it has images of
    counts = pd.crosstab(pool["patientid"], pool["label"])
    # a patient with images of a class not drawn (local="negatives") is never taken
    excluded = set(counts.index[(counts.drop(columns=classes, errors="ignore") > 0).any(axis=1)])
    counts = counts.reindex(columns=classes, fill_value=0)
    picked, got = [], dict.fromkeys(classes, 0)
    for c in classes:
        patients = pool.loc[pool["label"] == c, "patientid"].unique()
        for p in patients[rng.permutation(len(patients))]:
            if p in picked or p in excluded or (allowed is not None and p not in allowed):
                continue
            if all(got[o] + counts.at[p, o] <= want[o] for o in classes):
                picked.append(p)
                for o in classes:
                    got[o] += counts.at[p, o]
            if got[c] == want[c]:
                break
    return np.flatnonzero(pool["patientid"].isin(picked).to_numpy())


def nested_draws(pool, ks, seed, local="both"):
    """{k: positions}, each smaller k drawn among the patients of the next larger one."""
    out, allowed = {}, None
    for k in sorted(ks, reverse=True):
        out[k] = draw_local(pool, k, seed, allowed, local)
        allowed = set(pool["patientid"].iloc[out[k]])
    return out


def scores(y, score, pred):
    row = {"n_test": len(y), "n_test_covid": int((y == POS).sum())}
    both = 0 < row["n_test_covid"] < len(y)
    row["sensitivity"] = sensitivity_score(y, pred) if row["n_test_covid"] else np.nan
    row["specificity"] = (specificity_score(y, pred) if row["n_test_covid"] < len(y)
                          else np.nan)
    row["roc_auc"] = roc_auc_score(y == POS, score) if both else np.nan
    return row


def one_point(head, table, pool, source, k, draw, added, gate, cache, local="both"):
    suffix = ("_gate" if gate else "") + ("_neg" if local == "negatives" and k else "")
    file = cache / f"{source}_k{k}_d{draw}{suffix}.pkl"
    if file.is_file():
        return pickle.loads(file.read_bytes())
    mine = pool.iloc[added]
    train = pd.concat([table[table["source"] != source], mine], ignore_index=True)
    test = pool.drop(index=pool.index[added])
    start = time.perf_counter()
    X, y = train["path"].tolist(), train["label"].to_numpy(dtype=object)
    gate_ = None
    if gate:
        from skcxr.applicability import ApplicabilityGate

        gate_ = ApplicabilityGate()
    fitted, threshold = fit_with_threshold(head, X, y, train["patientid"].to_numpy(),
                                           gate=gate_)
    tested = test["path"].tolist()
    score = fitted.predict_proba(tested)[:, list(fitted.classes_).index(POS)]
    pred = fitted.predict(tested)  # the threshold the fitted estimator carries
    row = {"source": source, "k": k, "draw": draw, "added": len(mine),
           "added_covid": int((mine["label"] == POS).sum()), "threshold": threshold,
           **scores(test["label"].to_numpy(dtype=object), score, pred)}
    if gate:
        checked = fitted.gate_.check(tested)
        row["flagged_unfamiliar"] = float((~checked["familiar"].astype(bool)).mean())
    row["seconds"] = time.perf_counter() - start
    file.write_bytes(pickle.dumps(row))
    return row


def curve(head, table, everything, ks, draws, min_test, gate, cache, local="both",
          sources=HOLDOUT):
    rows = []
    for source in sources:
        pool = everything[everything["source"] == source].reset_index(drop=True)
        capacity = sum(local_capacity(pool, local).values())
        for draw in range(draws):
            picks = nested_draws(pool, [k for k in ks if k], seed=1000 + draw, local=local)
            picks[0] = np.array([], dtype=int)
            for k in ks:
                if k == 0 and draw:  # k = 0 adds nothing: one fit serves every draw
                    continue
                if k > capacity or len(pool) - len(picks[k]) < min_test:
                    if draw == 0:
                        print(f"{source}: k={k} skipped ({len(pool)} images, at most "
                              f"{capacity} can be drawn keeping >= {min_test} to test)")
                    continue
                row = one_point(head, table, pool, source, k, draw, picks[k],
                                gate and draw == 0, cache, local)
                rows.append(row)
                print(f"{source:24s} k={k:3d} draw {draw}: added {row['added']:3d} "
                      f"({row['added_covid']} covid) test {row['n_test']:4d} sens "
                      f"{row['sensitivity']:.3f} spec {row['specificity']:.3f} auc "
                      f"{row['roc_auc']:.3f}"
                      + (f" unfamiliar {row['flagged_unfamiliar']:.3f}"
                         if "flagged_unfamiliar" in row else ""), flush=True)
    return pd.DataFrame(rows)


def _cell(values):
    values = values.dropna()
    if values.empty:
        return ""
    if len(values) == 1:
        return f"{values.iloc[0]:.3f}"
    return f"{values.mean():.3f} ({values.min():.2f}-{values.max():.2f})"


def holds_at(part, bar):
    """The smallest k from which every draw (and every larger k) keeps sensitivity (where
    measured) and specificity >= ``bar``; None when no k does."""
    worst = part.groupby("k")[["sensitivity", "specificity"]].min()
    ok = (worst.fillna(1.0) >= bar).all(axis=1)
    for k in ok.index:
        if ok.loc[k:].all():
            return k
    return None


def report(frame, bar=0.85):
    metrics = ["sensitivity", "specificity", "roc_auc"]
    if "flagged_unfamiliar" in frame:
        metrics.append("flagged_unfamiliar")
    print("\n=== per held-out source: mean (min-max) over draws ===")
    for source, part in frame.groupby("source", sort=False):
        rows = []
        for k, at_k in part.groupby("k"):
            rows.append({"k": k, "draws": len(at_k), "added": f"{at_k['added'].mean():.0f}",
                         "of which covid": f"{at_k['added_covid'].mean():.0f}",
                         "test": f"{at_k['n_test'].mean():.0f}",
                         "test covid": f"{at_k['n_test_covid'].mean():.0f}",
                         **{m: _cell(at_k[m]) for m in metrics if m in at_k}})
        print(f"\n--- {source} ---\n{pd.DataFrame(rows).to_string(index=False)}")
    print("\n=== summary: mean over draws; mean specificity over the held-out sources measured "
          f"at that k, min sensitivity over the COVID groups; 'holds from k': every draw >= {bar} "
          "(sensitivity where measured, specificity) from that k on ===")
    mean = frame.groupby(["source", "k"], sort=False)[metrics].mean().reset_index()
    rows = []
    for k, at_k in mean.groupby("k"):
        row = {"k": k}
        for _, r in at_k.iterrows():
            name = r["source"].replace("covid-chestxray", "covid")
            if not np.isnan(r["sensitivity"]):
                row[f"{name} sens"] = r["sensitivity"]
            row[f"{name} spec"] = r["specificity"]
        row["mean spec"] = at_k["specificity"].mean()
        row["min covid sens"] = at_k["sensitivity"].min()
        row["sources"] = len(at_k)
        rows.append(row)
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\nholds from k: " + ", ".join(
        f"{source} {holds_at(part, bar)}" for source, part in frame.groupby("source", sort=False)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data_root())
    parser.add_argument("--cache", default="/tmp/skcxr_bench_sources",
                        help="feature cache (shared with bench_sources.py); results in "
                             "<cache>/site_curve")
    parser.add_argument("--k", type=int, nargs="+", default=[0, 10, 25, 50, 100])
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--min-test", type=int, default=20,
                        help="skip a k whose held-out remainder keeps fewer images")
    parser.add_argument("--local", choices=["both", "negatives"], default="both",
                        help="classes of the added local images: both (default), or non-covid "
                             "only (does a site seen only through its negatives lose its "
                             "COVID-19 cases? measurable on the COVID regions only)")
    parser.add_argument("--sources", nargs="+", default=HOLDOUT, choices=HOLDOUT)
    parser.add_argument("--gate", action="store_true",
                        help="also fit skcxr.applicability.ApplicabilityGate per training set "
                             "(first draw) and report the remainder's share familiar=False")
    args = parser.parse_args()
    cache = Path(args.cache)
    (cache / "site_curve").mkdir(parents=True, exist_ok=True)
    everything = universe(args.data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateImageWarning)
        table = make_multisource_dataset(args.data, split_covid_by="region")
    paths = everything["path"].tolist()
    features, seconds = embed_all(paths, cache)
    print(f"features {features.shape} ({seconds:.0f} s); training table {len(table)} images",
          flush=True)
    # the recipe as shipped (threshold carried by the fitted estimator), its image steps
    # replaced by the features computed once: each fit is the scaler + logistic regression
    head = make_multisource_pipeline(gate=None)
    lookup = FeatureLookup(dict(zip(paths, features)))
    head.set_params(estimator=Pipeline([("features", lookup)] + head.estimator.steps[3:]))
    start = time.perf_counter()
    frame = curve(head, table, everything, sorted(set(args.k)), args.draws, args.min_test,
                  args.gate, cache / "site_curve", args.local, args.sources)
    print(f"({len(frame)} points, {time.perf_counter() - start:.0f} s)")
    report(frame)


if __name__ == "__main__":
    main()
