"""
Classify chest X-ray files with a saved model
=============================================

Loads a fitted pipeline saved with :mod:`joblib` (``model.joblib``, as
written by ``examples/plot_train_evaluate.py``) and classifies the image files
given on the command line. It prints one line per image, in the order given:
the path, the probability of ``covid`` and the predicted class (the class
with the higher probability)::

    path/to/image1.png	P(covid)=0.9731	covid
    path/to/image2.jpeg	P(covid)=0.0412	non-covid

The pipeline decodes, resizes and normalises the images itself (any format
:class:`skcxr.XRayLoader` reads). A joblib file of a bare fitted
:class:`skcxr.CXRClassifier` also works: a loader matching its input shape is
put in front of it. A file that cannot be read stops the run with an error
naming it; so does a ``--model`` file that is truncated, corrupt, a ``.keras``
archive or anything but a fitted pipeline, with the way to get a good one.

Usage::

    python examples/plot_train_evaluate.py            # writes skcxr_output/model.joblib
    python examples/predict.py IMAGE [IMAGE ...] [--model skcxr_output/model.joblib]

A research tool, not a diagnostic device: the probability says what a network
trained on a few hundred public images makes of the file, nothing more.
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

QUICK_ENV = "SKCXR_EXAMPLE_QUICK"  # no effect here: predicting is already quick


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Print P(covid) for chest X-ray files, one line per image")
    parser.add_argument("images", nargs="+", help="image files to classify")
    parser.add_argument("--model", default=os.path.join("skcxr_output", "model.joblib"),
                        help="joblib file of a fitted Pipeline or CXRClassifier "
                             "(default: skcxr_output/model.joblib)")
    parser.add_argument("--pos-label", default="covid", help="class whose probability is shown")
    return parser.parse_args(argv)


_TRAIN_HINT = ("write one with python examples/plot_train_evaluate.py "
               "(skcxr_output/model.joblib) or joblib.dump(fitted_pipeline, path)")


def _bad_model(path, problem):
    return SystemExit(f"cannot use --model {path}: {problem}; pass a joblib file of a fitted "
                      f"Pipeline or CXRClassifier: {_TRAIN_HINT}")


def load_pipeline(path):
    """A fitted estimator that takes image paths, or SystemExit naming the file and the fix."""
    import joblib
    from sklearn.pipeline import make_pipeline

    from skcxr import XRayLoader

    if not os.path.isfile(path):
        raise SystemExit(f"no model at {path}: train one first with "
                         "python examples/plot_train_evaluate.py, or pass --model")
    with open(path, "rb") as f:
        is_zip = f.read(4) == b"PK\x03\x04"  # .keras files are zip archives
    if is_zip:
        raise _bad_model(path, "it is a Keras model archive (.keras, as written by "
                               "CXRClassifier.save_model) holding the network only, without "
                               "the preprocessing and class names (open such files with "
                               "keras.models.load_model)")
    try:
        model = joblib.load(path)
    except Exception as exc:  # truncated, corrupt, not a pickle at all
        raise _bad_model(path, f"it could not be unpickled ({type(exc).__name__}: {exc}); "
                               "the file is truncated, corrupt or not a joblib file") from None
    if hasattr(model, "steps"):
        pipe = model
    elif hasattr(model, "model_") and hasattr(model, "classes_"):  # a bare fitted CXRClassifier
        height, width, channels = model.model_.input_shape[1:]
        loader = XRayLoader(size=(height, width), resize="stretch",  # as before the default
                            color_mode="grayscale" if channels == 1 else "rgb")
        pipe = make_pipeline(loader, model)
    else:
        raise _bad_model(path, f"it holds a {type(model).__name__}, not a fitted Pipeline "
                               "or CXRClassifier")
    if not hasattr(pipe, "predict_proba") or not hasattr(pipe[-1], "classes_"):
        raise _bad_model(path, f"its {type(pipe[-1]).__name__} is not a fitted classifier")
    return pipe


def main(argv=None):
    """Classify the images; return ``[(path, probability, predicted class), ...]``."""
    args = parse_args(argv)
    pipe = load_pipeline(args.model)
    classes = list(pipe.classes_)
    if args.pos_label not in classes:
        raise SystemExit(f"--pos-label {args.pos_label!r} is not a class of the model {classes}")
    try:
        proba = pipe.predict_proba(args.images)
    except (OSError, ValueError) as exc:  # the message names the image file
        raise SystemExit(f"cannot classify: {exc}") from None
    rows = []
    for path, p in zip(args.images, proba):
        predicted = classes[int(p.argmax())]
        score = float(p[classes.index(args.pos_label)])
        print(f"{path}\tP({args.pos_label})={score:.4f}\t{predicted}")
        rows.append((path, score, predicted))
    print(f"{len(rows)} image(s) classified with {args.model}; research use only, "
          "not a diagnostic device", file=sys.stderr)
    return rows


if __name__ == "__main__":
    main()
