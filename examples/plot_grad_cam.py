"""
Where does the network look? Grad-CAM on chest X-rays
======================================================

Trains the default pipeline (or loads one with ``--model``), computes Grad-CAM
heatmaps for held-out images (patients never seen in training) and saves two
figures: correctly and wrongly classified images with the heatmap of the
*predicted* class overlaid and P(covid) in the titles. It also prints a number:
the share of heatmap mass inside a central rectangle, a crude lung-field
proxy, next to the share a uniform heatmap would get (the rectangle's area).
A network that looks at corners, borders, text markers or shoulders scores
near or below that chance level. See ``docs/explain.rst`` for what this does
and does not prove.

Usage::

    # synthetic X-rays (no data needed); --quick or SKCXR_EXAMPLE_QUICK=1: tiny
    python examples/plot_grad_cam.py --output-dir out [--quick]
    # the study's real folders
    python examples/plot_grad_cam.py --output-dir out \\
        --covid-root ../shared/data/covid-chestxray \\
        --pneumonia-root ../shared/data/chest-xray-pneumonia [--save-model m.joblib]
    # a pipeline trained before (joblib file of a fitted Pipeline or CXRClassifier)
    python examples/plot_grad_cam.py --output-dir out --model m.joblib --covid-root ...
"""

import argparse
import os
import tempfile

from skcxr.utils._console import quiet_tensorflow

quiet_tensorflow()  # no TensorFlow C++ start-up lines (TF_CPP_MIN_LOG_LEVEL=0 shows them)

import numpy as np
from sklearn.model_selection import GroupShuffleSplit

QUICK_ENV = "SKCXR_EXAMPLE_QUICK"
DEFAULT_OUTPUT = "grad_cam_output"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Grad-CAM heatmaps of a chest X-ray classifier")
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT,
                        help="where figures go (default: %(default)s; if it holds an earlier run, "
                             "a new timestamped folder)")
    parser.add_argument("--overwrite", action="store_true",
                        help="write into --output-dir even if it holds an earlier run")
    parser.add_argument("--quick", action="store_true",
                        help=f"tiny synthetic run (also set by ${QUICK_ENV}=1)")
    parser.add_argument("--covid-root", help="covid-chestxray folder (metadata.csv + images/)")
    parser.add_argument("--pneumonia-root", help="Kermany {train,test}/{NORMAL,PNEUMONIA} folder")
    parser.add_argument("--model", help="joblib file of a fitted Pipeline / CXRClassifier")
    parser.add_argument("--save-model", help="write the trained pipeline to this joblib file")
    parser.add_argument("--epochs", type=int, default=None,
                        help="train exactly this many epochs (no early stopping)")
    parser.add_argument("--architecture", default=None,
                        help="registered architecture (default: the pipeline's five_block)")
    parser.add_argument("--n-show", type=int, default=8, help="images per figure")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    args.quick = args.quick or os.environ.get(QUICK_ENV, "") not in ("", "0")
    if args.pneumonia_root and not args.covid_root:
        parser.error("--pneumonia-root needs --covid-root")
    return args


def load_table(args, workdir):
    """The labelled table: the real folders, or synthetic X-rays written to workdir."""
    from skcxr.datasets import make_covid_dataset, make_synthetic_cxr

    if args.covid_root:
        return make_covid_dataset(args.covid_root, args.pneumonia_root,
                                  random_state=args.random_state, verbose=1)
    n, size = (48, 64) if args.quick else (400, 128)
    print(f"synthetic data: {n} images of {size} px (pass --covid-root for the real X-rays)")
    return make_synthetic_cxr(n, workdir, image_size=size, random_state=args.random_state)


def get_pipeline(args, train):
    """A fitted pipeline taking paths: loaded, or the default one trained on ``train``."""
    import joblib

    from skcxr import XRayLoader, make_default_pipeline

    if args.model:
        model = joblib.load(args.model)
        if hasattr(model, "steps"):
            return model
        height, width, channels = model.model_.input_shape[1:]  # a bare CXRClassifier
        mode = "grayscale" if channels == 1 else "rgb"
        loader = XRayLoader(size=(height, width), color_mode=mode)
        from sklearn.pipeline import make_pipeline

        return make_pipeline(loader, model)
    params = {"classifier__random_state": args.random_state}
    if args.quick:
        params.update(loader__size=(64, 64), classifier__architecture="small_cnn",
                      classifier__epochs=3, classifier__augmentation=None,
                      classifier__validation_split=0.0, classifier__early_stopping=None)
    if args.epochs is not None:
        params.update(classifier__epochs=args.epochs, classifier__early_stopping=None)
    if args.architecture is not None:
        params["classifier__architecture"] = args.architecture
    pipe = make_default_pipeline(**params)
    print(f"training on {len(train)} images ...")
    pipe.fit(train["path"], train["label"])
    if args.save_model:
        joblib.dump(pipe, args.save_model)
        print(f"saved the trained pipeline to {args.save_model}")
    return pipe


def predicted_class_heatmaps(clf, images, predicted):
    """Grad-CAM of each image for the class the network predicted."""
    from skcxr.explain import grad_cam

    heatmaps = np.zeros(images.shape[:3], dtype=np.float32)
    for name in np.unique(predicted):
        rows = predicted == name
        heatmaps[rows] = grad_cam(clf, images[rows], class_name=name)
    return heatmaps


def save_grid(path, images, heatmaps, p_covid, titles, suptitle):
    import matplotlib.pyplot as plt

    from skcxr.plotting import plot_grad_cam

    fig = plot_grad_cam(images, heatmaps, probabilities=p_covid, titles=titles, ncols=4)
    fig.suptitle(suptitle + "  (heatmap: predicted class; p = P(covid))", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")


def main(argv=None):
    """Run the example; return the numbers it prints (a dict)."""
    from skcxr.utils._console import output_folder
    from skcxr.explain import central_mask, lung_focus

    args = parse_args(argv)
    try:
        out = output_folder(args.output_dir, overwrite=args.overwrite, default=DEFAULT_OUTPUT)
    except FileExistsError as exc:
        raise SystemExit(f"error: {exc}") from None
    with tempfile.TemporaryDirectory() as workdir:
        table = load_table(args, workdir)
        split = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=args.random_state)
        train_idx, test_idx = next(split.split(table, groups=table["patientid"]))
        train, test = table.iloc[train_idx], table.iloc[test_idx].reset_index(drop=True)
        pipe = get_pipeline(args, train)

        clf = pipe[-1]
        images = pipe[:-1].transform(test["path"])  # what the network sees
        proba = clf.predict_proba(images)
    classes = list(clf.classes_)
    p_covid = proba[:, classes.index("covid")]
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    truth = test["label"].to_numpy()
    correct = predicted == truth
    heatmaps = predicted_class_heatmaps(clf, images, predicted)

    # The number: share of heatmap mass in the central rectangle vs its area.
    mask = central_mask(images.shape[1:3])
    focus = lung_focus(heatmaps, mask)
    chance = float(mask.mean())
    print(f"\n{len(test)} held-out images, accuracy {correct.mean():.3f}")
    if correct.mean() < 0.6 or np.ptp(p_covid) < 0.05:
        print("note: the network is near chance or predicts nearly the same probability for "
              "every image; its heatmaps do not mean much (train longer: --epochs)")
    print(f"central-region focus (chance = area share {chance:.2f}):")
    empty = np.isnan(focus)  # no positive evidence for the predicted class: all-zero map
    print(f"  all      {np.nanmean(focus):.3f}  (n={len(focus)}, "
          f"{empty.sum()} empty maps left out)")
    for name, rows in (("correct", correct), ("wrong", ~correct)):
        if rows.any():
            print(f"  {name:<8} {np.nanmean(focus[rows]):.3f}  "
                  f"(n={rows.sum()}, {empty[rows].sum()} empty)")
    for source in sorted(test["source"].unique()):
        rows = (test["source"] == source).to_numpy()
        print(f"  source {source}: {np.nanmean(focus[rows]):.3f}  "
              f"(n={rows.sum()}, {empty[rows].sum()} empty)")

    rng = np.random.RandomState(args.random_state)
    figures = []
    for name, rows in (("correct", correct), ("wrong", ~correct)):
        idx = np.flatnonzero(rows)
        if idx.size == 0:
            print(f"no {name}ly classified images to show")
            continue
        idx = np.sort(rng.choice(idx, size=min(args.n_show, idx.size), replace=False))
        titles = [f"{test['source'][i]}\ntrue {truth[i]}, pred {predicted[i]}" for i in idx]
        path = out / f"grad_cam_{name}.png"
        save_grid(path, images[idx], heatmaps[idx], p_covid[idx], titles,
                  f"{name}ly classified held-out images")
        figures.append(path)
    return {
        "accuracy": float(correct.mean()),
        "central_focus": float(np.nanmean(focus)),
        "n_empty": int(empty.sum()),
        "chance": chance,
        "n_correct": int(correct.sum()),
        "n_wrong": int((~correct).sum()),
        "figures": figures,
    }


if __name__ == "__main__":
    main()
