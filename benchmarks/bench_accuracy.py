"""Benchmark: the study's plain Keras recipe against skcxr's default pipeline.

Same table, same folds, same run. The table is
``make_covid_dataset_from_root(data)`` (the study's cleaning rules, healthy
images from Kermany NORMAL: the default), split by 5-fold
``StratifiedGroupKFold`` grouped by patient (shuffle, seed 0). Two contenders:

(a) the study's recipe as a plain Keras script, as a new user would write it:
    Pillow loop ``Image.open(p).convert("RGB").resize((150, 150))``, ``/ 255``,
    the five-block network built inline with ``keras.layers``, one-hot labels,
    Adam (learning rate 1e-3), categorical cross-entropy, fixed 30 epochs,
    batch 16, no augmentation, no validation;
(b) ``skcxr.make_default_pipeline()`` fitted on the image paths (public API
    only; ``classifier__random_state`` is fixed for repeatability).

Prints per fold, then mean ± std over folds of accuracy, sensitivity,
specificity and ROC AUC (positive class "covid"), and, last, the difference
skcxr - plain.

Usage::

    python benchmarks/bench_accuracy.py [--data PATH] [--folds 5] [--epochs 30]
        [--skcxr-epochs N]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from PIL import Image
from sklearn.model_selection import StratifiedGroupKFold

from skcxr import make_default_pipeline
from skcxr.metrics import classification_summary
from _common import default_data_root, real_table  # benchmarks/ is sys.path[0] as a script

METRICS = ("accuracy", "sensitivity", "specificity", "roc_auc")


# --------------------------------------------------------------- (a) plain
def study_load(paths, size=150):
    """The study's loader: Pillow, RGB, default resize, stacked, / 255."""
    images = []
    for path in paths:
        images.append(np.asarray(Image.open(path).convert("RGB").resize((size, size))))
    return np.stack(images).astype("float32") / 255


def study_network(input_shape):
    """The study's five-block CNN (after Sagar), written inline with keras.layers."""
    from keras import layers, models

    inputs = layers.Input(shape=input_shape)
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(inputs)
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
    x = layers.MaxPooling2D(2)(x)
    for filters, drop in ((32, False), (64, False), (128, True), (256, True)):
        x = layers.SeparableConv2D(filters, 3, activation="relu", padding="same")(x)
        x = layers.SeparableConv2D(filters, 3, activation="relu", padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(2)(x)
        if drop:
            x = layers.Dropout(0.2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(512, activation="relu")(x)
    x = layers.Dropout(0.7)(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return models.Model(inputs, outputs)


def plain_fold(X, y, train, test, *, epochs, batch_size, seed):
    """Train the plain recipe on ``train`` and return P(covid) on ``test``."""
    import keras

    keras.utils.set_random_seed(seed)
    onehot = np.stack([y == "covid", y != "covid"], axis=1).astype("float32")  # col 0: covid
    model = study_network(X.shape[1:])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(X[train], onehot[train], epochs=epochs, batch_size=batch_size, verbose=0)
    return model.predict(X[test], batch_size=64, verbose=0)[:, 0]


# ---------------------------------------------------------------- scoring
def fold_scores(y_true, p_covid):
    y_pred = np.where(p_covid >= 0.5, "covid", "non-covid")
    overall = classification_summary(y_true, y_pred, p_covid, pos_label="covid",
                                     classes=["covid", "non-covid"], n_bootstraps=0).to_dict()
    return {m: float(overall[m]) for m in METRICS}


def summarise(name, rows):
    arr = {m: np.array([r[m] for r in rows]) for m in METRICS}
    cells = "  ".join(f"{m} {arr[m].mean():.3f} ± {arr[m].std():.3f}" for m in METRICS)
    print(f"{name:<28s} {cells}", flush=True)
    return {m: arr[m].mean() for m in METRICS}


def main(argv=None):
    default_data = default_data_root()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data, help="real data root")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=30, help="plain recipe epochs (study: 30)")
    parser.add_argument("--batch-size", type=int, default=16, help="plain recipe batch (16)")
    parser.add_argument("--skcxr-epochs", type=int, default=None,
                        help="override the default pipeline's (maximum) epochs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    table = real_table(args.data, random_state=args.seed)
    y = table["label"].to_numpy()
    groups = table["patientid"].to_numpy()
    n_covid = int((y == "covid").sum())
    print(f"table: {len(table)} images ({n_covid} covid / {len(y) - n_covid} non-covid), "
          f"{len(set(groups))} patients; sources {table['source'].value_counts().to_dict()}")
    folds = list(StratifiedGroupKFold(args.folds, shuffle=True, random_state=args.seed)
                 .split(table, y, groups))
    print(f"{args.folds}-fold StratifiedGroupKFold by patient (shuffle, random_state={args.seed})")

    start = time.perf_counter()
    X_plain = study_load(table["path"])
    print(f"(a) study loop: {X_plain.shape} in {time.perf_counter() - start:.1f} s", flush=True)

    skcxr_params = {"classifier__random_state": args.seed}
    if args.skcxr_epochs is not None:
        skcxr_params["classifier__epochs"] = args.skcxr_epochs
    print("(b) skcxr defaults:", make_default_pipeline(**skcxr_params).get_params()["steps"])

    results = {"plain": [], "skcxr": []}
    times = {"plain": 0.0, "skcxr": 0.0}
    for k, (train, test) in enumerate(folds):
        start = time.perf_counter()
        p = plain_fold(X_plain, y, train, test, epochs=args.epochs,
                       batch_size=args.batch_size, seed=args.seed)
        times["plain"] += time.perf_counter() - start
        results["plain"].append(fold_scores(y[test], p))

        start = time.perf_counter()
        pipe = make_default_pipeline(**skcxr_params)
        pipe.fit(table["path"].iloc[train], y[train])
        clf = pipe.named_steps["classifier"]
        p = pipe.predict_proba(table["path"].iloc[test])[:, list(clf.classes_).index("covid")]
        times["skcxr"] += time.perf_counter() - start
        results["skcxr"].append(fold_scores(y[test], p))
        for name in ("plain", "skcxr"):
            r = results[name][-1]
            print(f"fold {k + 1}/{len(folds)} {name:<6s} "
                  + " ".join(f"{m} {r[m]:.3f}" for m in METRICS)
                  + (f" (epochs run {len(clf.history_['loss'])})" if name == "skcxr" else ""),
                  flush=True)

    print(f"\nmean ± std over {len(folds)} folds ({len(table)} images); "
          f"time plain {times['plain']:.0f} s, skcxr {times['skcxr']:.0f} s")
    plain = summarise(f"(a) plain Keras, {args.epochs} ep", results["plain"])
    ours = summarise("(b) skcxr defaults", results["skcxr"])
    print("skcxr - plain: " + "  ".join(f"{m} {ours[m] - plain[m]:+.3f}" for m in METRICS))


if __name__ == "__main__":
    main()
