"""The recipe part of bench_sources.py: frozen features computed once, then heads."""

import hashlib
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from skcxr import make_multisource_pipeline
from skcxr.datasets import DuplicateImageWarning, make_multisource_dataset, split_covid_collection
from skcxr.model_selection import evaluate_by_source, leave_one_source_out
from _common import COVID, real_table


class FeatureLookup(TransformerMixin, BaseEstimator):
    """Paths -> the features computed once for every image (stateless, as the embedder)."""

    def __init__(self, features=None):
        self.features = features  # {path: row}; shared, never copied per clone

    def __sklearn_clone__(self):
        return self

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.stack([self.features[p] for p in X])


def embed_all(paths, cache):
    """Features of every path through the recipe's loader, normalizer and embedder."""
    feature_steps = Pipeline(make_multisource_pipeline().estimator.steps[:3])
    key = hashlib.sha1(repr(sorted(feature_steps.get_params(deep=True).items(),
                                   key=str)).encode()).hexdigest()[:12]
    file = Path(cache) / f"features_{key}.npy"
    listing = Path(cache) / f"features_{key}_paths.txt"
    if file.is_file() and listing.read_text().split("\n") == list(paths):
        print(f"(reusing {file})", flush=True)
        return np.load(file), 0.0
    start = time.perf_counter()
    parts = [feature_steps.transform(list(paths[i:i + 256])) for i in range(0, len(paths), 256)]
    features = np.concatenate(parts)
    np.save(file, features)
    listing.write_text("\n".join(paths))
    return features, time.perf_counter() - start


def ceiling(loso, min_sensitivity=0.85):
    """Per held-out group with both classes: the best specificity any threshold of its
    model reaches while its sensitivity stays >= ``min_sensitivity`` (chosen on the
    held-out rows themselves, so an upper bound for a training-chosen threshold)."""
    from sklearn.metrics import roc_auc_score

    from skcxr.metrics import specificity_score
    from skcxr.model_selection import threshold_for_sensitivity

    rows = []
    for group, part in loso.predictions.groupby("holdout"):
        y, score = part["y_true"].to_numpy(), part["y_score"].to_numpy()
        positive = y == loso.pos_label
        if positive.all() or not positive.any():
            continue
        # the highest threshold keeping the sensitivity maximises the specificity
        threshold = threshold_for_sensitivity(y, score, target=min_sensitivity,
                                              pos_label=loso.pos_label)
        predicted = np.where(score >= threshold, loso.pos_label, loso.neg_label)
        rows.append({"holdout": group, "n_covid": int(positive.sum()),
                     "n_non_covid": int((~positive).sum()),
                     "roc_auc": roc_auc_score(positive, score),
                     f"best_spec_at_sens_{min_sensitivity}": specificity_score(
                         y, predicted, pos_label=loso.pos_label)})
    return pd.DataFrame(rows)


def run_recipe(data, cache, everything, holdout, *, table_name="multisource", targets=()):
    paths = everything["path"].tolist()
    features, seconds = embed_all(paths, cache)
    print(f"features: {features.shape} for every image of every source "
          f"({seconds:.0f} s, computed once)", flush=True)
    lookup = FeatureLookup(dict(zip(paths, features)))
    # the recipe as shipped (threshold carried by the fitted model), its first three
    # steps replaced by the features computed once; no gate (bench_applicability's part)
    head = make_multisource_pipeline(gate=None)
    head.set_params(estimator=Pipeline([("features", lookup)] + head.estimator.steps[3:]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateImageWarning)
        if table_name == "multisource":
            table = make_multisource_dataset(data, split_covid_by="region")
        else:
            table = split_covid_collection(real_table(data), Path(data) / COVID, by="region")
    start = time.perf_counter()
    internal = evaluate_by_source(head, table, cv=5, cross_source=False)
    loso = leave_one_source_out(head, table, holdout=holdout, eval_table=everything)
    seconds = time.perf_counter() - start
    for target in targets:  # the same fits with a lower target: what specificity it buys
        other = leave_one_source_out(head, table, holdout=holdout, eval_table=everything,
                                     target_sensitivity=target)
        print(f"\n--- {table_name} table, threshold for sensitivity {target} on the training "
              f"sources ---\n{other}", flush=True)
    if targets:
        print("\n--- ceiling: best specificity of each held-out two-class group at "
              "sensitivity >= 0.85, threshold chosen on the held-out rows (an upper bound) "
              f"---\n{ceiling(loso).to_string(index=False, float_format=lambda v: f'{v:.3f}')}",
              flush=True)
    return table, internal, loso, seconds
