"""
Train and evaluate a COVID-19 chest X-ray classifier: the study's five steps
============================================================================

The README's main job. It runs the study's pipeline end to end with skcxr:

1. build the labelled table (``covid`` / ``non-covid``) and print a one-line
   summary of it (images, patients, sources, views);
2. split it **by patient** (one fold of :class:`~sklearn.model_selection.StratifiedGroupKFold`:
   about 25 % of the patients are held out, no patient on both sides);
3. build the default pipeline (:func:`skcxr.make_default_pipeline`: loader,
   contrast normaliser, the study's five-block CNN) and train it;
4. evaluate it on the held-out patients and print the study's two tables
   (:func:`skcxr.metrics.classification_summary`: per-class precision, recall,
   F1 and support; accuracy, sensitivity, specificity and ROC AUC with
   confidence intervals from a bootstrap over patients), plus accuracy per
   source;
5. save the model (the fitted pipeline as ``model.skops``, the safe format
   ``skcxr predict`` loads, and ``model.joblib``; the bare Keras network as
   ``model.keras``) and the plots: training curves
   (``history.png``), confusion matrix, ROC curve, and the network's layers as
   text (``model_summary.txt``), all in ``--output-dir``.

By default it runs on synthetic X-rays written to a temporary folder (400
images of 64 px; about 25 s in all on 2 CPU cores), so that it needs no
data. There the network trains for up to 20 epochs in batches of 16, 10 % of
the training images are held out to draw the validation curves, and the
weights of the epoch with the lowest validation loss are kept (early
stopping, patience 5). On the real folders the pipeline's own defaults are
used (``--epochs`` overrides them), with 10 % of the training images held out
for the validation curve of ``history.png``.

Each epoch prints one line (:class:`skcxr.classifier.EpochProgress`).
TensorFlow's C++ start-up lines are hidden (``TF_CPP_MIN_LOG_LEVEL=0`` shows
them). An existing ``--output-dir`` is never overwritten silently: the
default folder gets a new timestamped sibling, a folder you name needs
``--overwrite``.

Usage::

    # synthetic X-rays; --quick or SKCXR_EXAMPLE_QUICK=1: a tiny run (seconds)
    python examples/plot_train_evaluate.py [--output-dir skcxr_output] [--overwrite] [--quick]
    # the study's real folders (pediatric Kermany normals as healthy images)
    python examples/plot_train_evaluate.py \\
        --covid-root ../shared/data/covid-chestxray \\
        --pneumonia-root ../shared/data/chest-xray-pneumonia
    # ... with adult healthy images mixed in (here half of the healthy images)
    python examples/plot_train_evaluate.py --covid-root ... --pneumonia-root ... \\
        --adult-normal-root ../shared/data/adult-normal --adult-fraction 0.5

Numbers on a split of one collection are *internal* numbers: read
``docs/pitfalls.rst`` before comparing them with anything. Not a diagnostic
device.
"""

import argparse
import json
import os
import tempfile
import time

from skcxr.utils._console import output_folder, quiet_tensorflow

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

QUICK_ENV = "SKCXR_EXAMPLE_QUICK"
DEFAULT_OUTPUT = "skcxr_output"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Train and evaluate the default chest X-ray pipeline (the study's five steps)")
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT,
                        help=f"where the model, tables and plots go (default: {DEFAULT_OUTPUT}; "
                             "if it holds an earlier run, a new timestamped folder)")
    parser.add_argument("--overwrite", action="store_true",
                        help="write into --output-dir even if it holds an earlier run")
    parser.add_argument("--quick", action="store_true",
                        help=f"tiny synthetic run for tests (also set by ${QUICK_ENV}=1)")
    parser.add_argument("--data-root",
                        help="data folder holding covid-chestxray/ and the non-COVID sources "
                             "(e.g. ../shared/data): trains on the default, multi-source table")
    parser.add_argument("--study-table", action="store_true",
                        help="with --data-root: the 2020 study's table (healthy = Kermany's "
                             "children) instead; reproduces the study, not a recommendation")
    parser.add_argument("--covid-root", help="covid-chestxray folder (metadata.csv + images/)")
    parser.add_argument("--pneumonia-root",
                        help="Kermany {train,test}/{NORMAL,PNEUMONIA} folder (pediatric healthy)")
    parser.add_argument("--adult-normal-root",
                        help="folder of adult healthy X-rays with a metadata.csv (adult-normal/)")
    parser.add_argument("--adult-fraction", type=float, default=None,
                        help="share of healthy images drawn from --adult-normal-root (default: "
                             "0.5 with --pneumonia-root, else 1)")
    parser.add_argument("--n-images", type=int, default=None,
                        help="synthetic images (default 400; quick: 48)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs")
    parser.add_argument("--test-size", type=int, default=4, metavar="K",
                        help="hold out 1/K of the patients (default 4: 25 %%)")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    args.quick = args.quick or os.environ.get(QUICK_ENV, "") not in ("", "0")
    if args.data_root and args.covid_root:
        parser.error("pass either --data-root or --covid-root (with its healthy folders)")
    if args.study_table and not args.data_root:
        parser.error("--study-table goes with --data-root")
    args.real = bool(args.data_root or args.covid_root)
    if (args.pneumonia_root or args.adult_normal_root) and not args.covid_root:
        parser.error("--pneumonia-root / --adult-normal-root need --covid-root")
    if args.covid_root and not (args.pneumonia_root or args.adult_normal_root):
        parser.error("--covid-root needs healthy images: --pneumonia-root and/or "
                     "--adult-normal-root")
    return args


def healthy_mix(args):
    """``make_covid_dataset``'s ``healthy`` and ``healthy_roots`` from the flags."""
    if not args.adult_normal_root:
        return "chest-xray-pneumonia", None
    roots = {"adult-normal": args.adult_normal_root}
    if not args.pneumonia_root:
        return "adult-normal", roots
    adult = 0.5 if args.adult_fraction is None else args.adult_fraction
    return {"chest-xray-pneumonia": 1 - adult, "adult-normal": adult}, roots


def load_table(args, workdir):
    """Step 1: the labelled table, from the real folders or synthetic X-rays."""
    from skcxr.datasets import (
        make_covid_dataset, make_covid_dataset_from_root, make_synthetic_cxr)

    if args.data_root:
        recipe = "study" if args.study_table else "multisource"
        print(f"table: make_covid_dataset_from_root({args.data_root!r}, recipe={recipe!r})")
        return make_covid_dataset_from_root(args.data_root, recipe=recipe,
                                            random_state=args.random_state)
    if args.covid_root:
        healthy, roots = healthy_mix(args)
        print(f"healthy images from: {healthy}")
        return make_covid_dataset(args.covid_root, args.pneumonia_root, healthy=healthy,
                                  healthy_roots=roots, random_state=args.random_state,
                                  verbose=1)
    n = args.n_images or (48 if args.quick else 400)
    size = 64
    print(f"synthetic data: {n} images of {size} px in a temporary folder "
          "(pass --data-root ../shared/data for the real X-rays)")
    return make_synthetic_cxr(n, workdir, image_size=size, random_state=args.random_state)


def split_by_patient(table, args):
    """Step 2: one stratified fold of patients held out for testing."""
    cv = StratifiedGroupKFold(n_splits=args.test_size, shuffle=True,
                              random_state=args.random_state)
    train_idx, test_idx = next(cv.split(table, table["label"], groups=table["patientid"]))
    train = table.iloc[train_idx].reset_index(drop=True)
    test = table.iloc[test_idx].reset_index(drop=True)
    shared = set(train["patientid"]) & set(test["patientid"])
    if shared:  # cannot happen with a group splitter; checked because it matters
        raise RuntimeError(f"patients on both sides of the split: {sorted(shared)[:5]}")
    for name, part in (("train", train), ("test", test)):
        counts = part["label"].value_counts().to_dict()
        print(f"{name}: {len(part)} images of {part['patientid'].nunique()} patients {counts}")
    return train, test


def pipeline_params(args):
    """Step 3's settings: the defaults on real data, smaller images on synthetic data."""
    from skcxr.classifier import EpochProgress

    # one line per epoch; a class, so that each fit gets its own and the model pickles
    params = {"classifier__random_state": args.random_state, "classifier__verbose": 0,
              "classifier__callbacks": [EpochProgress]}
    if args.quick:
        params.update(loader__size=(32, 32), classifier__architecture="small_cnn",
                      classifier__epochs=2, classifier__batch_size=8,
                      classifier__augmentation=None, classifier__validation_split=0.2,
                      classifier__early_stopping=None)
    elif not args.real:
        # keep the epoch of lowest val_loss: on 360 images five_block's BatchNorm
        # statistics swing from epoch to epoch (val accuracy 0.5-1.0, measured),
        # and the last epoch alone predicted one class for random_state=0
        params.update(loader__size=(64, 64), classifier__epochs=20, classifier__batch_size=16,
                      classifier__validation_split=0.1, classifier__early_stopping=5)
    else:  # real data: keep a validation split for history.png's validation curve
        params.update(classifier__validation_split=0.1)
    if args.epochs is not None:
        params["classifier__epochs"] = args.epochs
    return params


def save_plots(out, pipe, y_true, y_pred, proba, classes, data_name):
    """Step 5 (plots): curves, confusion matrix, ROC curve, the layers as text."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    from skcxr.plotting import (model_summary, plot_confusion_matrix, plot_history,
                                plot_roc_curve)

    written = []
    fig = plot_history(pipe)
    fig.tight_layout()
    fig.savefig(out / "history.png", dpi=100)
    written.append(out / "history.png")
    display = plot_confusion_matrix(y_true, y_pred, labels=list(classes),
                                    title=f"Confusion matrix: {data_name}")
    display.figure_.tight_layout()
    display.figure_.savefig(out / "confusion_matrix.png", dpi=100)
    written.append(out / "confusion_matrix.png")
    if len(np.unique(y_true)) == 2:
        display = plot_roc_curve(y_true, proba, classes=classes, name="CNN",
                                 title=f"ROC curve: {data_name}")
        display.figure_.tight_layout()
        display.figure_.savefig(out / "roc_curve.png", dpi=100)
        written.append(out / "roc_curve.png")
    plt.close("all")
    (out / "model_summary.txt").write_text(model_summary(pipe) + "\n")
    written.append(out / "model_summary.txt")
    return written


def main(argv=None):
    """Run the five steps; return the summary and the files written (a dict)."""
    import joblib

    from skcxr import make_default_pipeline
    from skcxr.datasets import summarize_dataset
    from skcxr.metrics import classification_summary

    args = parse_args(argv)
    try:
        out = output_folder(args.output_dir, overwrite=args.overwrite, default=DEFAULT_OUTPUT)
    except FileExistsError as exc:  # said before TensorFlow starts
        raise SystemExit(f"error: {exc}") from None
    quiet_tensorflow()  # no TensorFlow C++ start-up lines (TF_CPP_MIN_LOG_LEVEL=0 shows them)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        print("[1/5] building the table")
        table = load_table(args, workdir)
        print(summarize_dataset(table))

        print("\n[2/5] splitting by patient")
        train, test = split_by_patient(table, args)

        print("\n[3/5] building the pipeline")
        params = pipeline_params(args)
        pipe = make_default_pipeline(**params)
        shown = ("loader__size", "normalizer__method", "classifier__architecture",
                 "classifier__epochs", "classifier__batch_size",
                 "classifier__early_stopping", "classifier__augmentation")
        settings = pipe.get_params()
        print("  " + ", ".join(f"{k}={settings[k]!r}" for k in shown))
        print(f"\n[4/5] training on {len(train)} images (one line per epoch)")
        tic = time.perf_counter()
        pipe.fit(train["path"], train["label"])
        clf = pipe[-1]
        print(f"trained {len(clf.history_['loss'])} epochs in {time.perf_counter() - tic:.0f} s")

        print(f"\n[5/5] evaluating on {len(test)} held-out images "
              f"({test['patientid'].nunique()} patients never seen in training)")
        proba = pipe.predict_proba(test["path"])
    classes = clf.classes_
    y_pred = classes[proba.argmax(axis=1)]
    y_true = test["label"].to_numpy()
    summary = classification_summary(y_true, y_pred, proba, classes=classes,
                                     groups=test["patientid"], random_state=args.random_state,
                                     zero_division=0.0)
    print(summary)
    if test["source"].nunique() > 1:
        print("\naccuracy per source (internal: these sources were also in training)")
        for source, rows in test.groupby("source").groups.items():
            correct = (y_pred[rows] == y_true[rows]).mean()
            print(f"  {source:<22} {correct:.3f}  (n={len(rows)})")

    from skcxr import save_model

    model_path, pickle_path, keras_path = (out / "model.skops", out / "model.joblib",
                                           out / "model.keras")
    save_model(pipe, model_path)  # the safe format skcxr predict loads
    joblib.dump(pipe, pickle_path)
    clf.save_model(keras_path)
    (out / "summary.txt").write_text(str(summary) + "\n")
    (out / "summary.json").write_text(json.dumps(summary.to_dict(), indent=2) + "\n")
    written = [model_path, pickle_path, keras_path, out / "summary.txt", out / "summary.json"]
    data = (" + ".join(sorted(test["source"].unique())) if args.real
            else "synthetic X-rays")
    data_name = f"{data}\n{len(test)} held-out images of {test['patientid'].nunique()} patients"
    written += save_plots(out, pipe, y_true, y_pred, proba, classes, data_name)
    print(f"\nsaved to {out}/: " + ", ".join(p.name for p in written))
    print(f"classify new images with: skcxr predict {model_path} IMAGE_OR_FOLDER ...")
    print(f"total time {time.perf_counter() - start:.0f} s")
    return {"summary": summary, "files": written, "table": table, "test": test}


if __name__ == "__main__":
    main()
