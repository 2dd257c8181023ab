"""``skcxr predict MODEL PATH...``: one line per file, a bad file never stops the batch."""

import os
import sys
import warnings
from pathlib import Path

from ..utils._console import quiet_tensorflow
from ._main import EXIT_GATE, EXIT_OK, EXIT_UNREADABLE, CLIError

CSV_COLUMNS = ["path", "p_covid", "predicted", "verdict", "chest_xray", "familiar", "reason",
               "error"]

_TRAIN_HINT = "train one with `skcxr train` (writes model.skops) or skcxr.save_model(model, path)"


def add_predict_parser(commands):
    parser = commands.add_parser(
        "predict", help="classify image files and folders with a saved model",
        description="Print, for each image file (folders are searched recursively, in sorted "
                    "order, skipping hidden files), its path, P(covid), the model's predicted "
                    "label (with the threshold the model carries) and the applicability "
                    "gate's verdict ('unchecked' when the model carries no gate). A file that "
                    "cannot be read gets one line saying why; the others are still predicted. "
                    "A summary line ends the run on stderr.")
    parser.add_argument("model", help="model file (.skops, from `skcxr train` or "
                                      "skcxr.save_model)")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image files or folders")
    parser.add_argument("--csv", metavar="FILE",
                        help=f"also write the rows to FILE (columns: {', '.join(CSV_COLUMNS)})")
    parser.add_argument("--strict", action="store_true",
                        help="exit with code 3 when any image fails the applicability gate "
                             "(needs a model that carries a gate)")
    parser.add_argument("--pos-label", default="covid", help="class whose probability is shown")
    parser.add_argument("--batch-size", type=int, default=32,
                        help="images per call of the model (default 32)")
    parser.set_defaults(run=run_predict, needs_model=True)
    return parser


# ------------------------------------------------------------------ model
def _is_pipeline_ready(model):
    return hasattr(model, "predict_proba") and hasattr(model, "classes_")


def load_cli_model(path, *, trust=(), trust_pickle=False, verbose=False):
    """The fitted model in ``path`` as an estimator taking image paths, or CLIError (exit 2)."""
    from .._persistence import UntrustedTypesError, _is_skops_file, describe_model_file, load_model

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CLIError(f"no model at {path}: {_TRAIN_HINT}")
    if _is_skops_file(path):
        quiet_tensorflow(verbose)
        try:
            model = load_model(path, trusted=list(trust))
        except UntrustedTypesError as exc:
            raise CLIError(str(exc)) from None
        except Exception as exc:  # damaged archive, missing class
            raise CLIError(f"cannot load {path} ({type(exc).__name__}: {exc}); the file is "
                           f"damaged or was written by another version: {_TRAIN_HINT}") from None
    else:
        kind = describe_model_file(path)
        if not kind.startswith(("a pickle", "a compressed joblib")):
            raise CLIError(f"cannot use {path}: it is {kind}; pass a skops file of a fitted "
                           f"pipeline: {_TRAIN_HINT}")
        if not trust_pickle:
            raise CLIError(
                f"refusing to load {path}: it is {kind}, and unpickling runs any code the file "
                "contains. Pass --trust-pickle only if you made the file or fully trust who did; "
                "better, convert it once: skcxr.save_model(joblib.load(path), 'model.skops')")
        import joblib

        quiet_tensorflow(verbose)
        try:
            model = joblib.load(path)
        except Exception as exc:  # truncated, corrupt
            raise CLIError(f"cannot use {path}: it could not be unpickled "
                           f"({type(exc).__name__}: {exc}); the file is truncated or corrupt: "
                           f"{_TRAIN_HINT}") from None
    return _as_path_model(model, path)


def _as_path_model(model, path):
    """A bare fitted CXRClassifier gets a loader matching its input; others must take paths."""
    from sklearn.pipeline import make_pipeline

    if not hasattr(model, "steps") and hasattr(model, "model_") and hasattr(model, "classes_"):
        from ..preprocessing import XRayLoader

        height, width, channels = model.model_.input_shape[1:]
        loader = XRayLoader(size=(height, width), resize="stretch",
                            color_mode="grayscale" if channels == 1 else "rgb")
        model = make_pipeline(loader, model)
    if not _is_pipeline_ready(model):
        raise CLIError(f"cannot use {path}: it holds a {type(model).__name__}, not a fitted "
                       f"classifier of image paths: {_TRAIN_HINT}")
    return model


# ------------------------------------------------------------------ files
def collect_files(paths):
    """``[(path, problem or None), ...]``: files as given, folders recursed in sorted order."""
    files = []
    for given in map(str, paths):
        if os.path.isdir(given):
            found = sorted(str(p) for p in Path(given).rglob("*")
                           if p.is_file() and not any(part.startswith(".")
                                                      for part in p.relative_to(given).parts))
            files += [(p, None) for p in found]
        elif os.path.exists(given):
            files.append((given, None))
        else:
            files.append((given, "no such file or folder"))
    return files


def _short(exc):
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def predict_files(model, paths, *, pos_label="covid", batch_size=32):
    """Yield one dict per path: P(pos_label), predicted label, gate verdict, or an error.

    The model is called on batches; a batch that fails is retried file by
    file, so one unreadable file only costs its own row. Rows come batch by
    batch, in order.
    """
    import numpy as np

    from ..applicability import ApplicabilityWarning, check_images, find_gate

    classes = list(model.classes_)
    if pos_label not in classes:
        raise CLIError(f"--pos-label {pos_label!r} is not a class of the model {classes}")
    column = classes.index(pos_label)
    has_gate = find_gate(model) is not None

    def run(batch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ApplicabilityWarning)  # shown per line instead
            proba = np.asarray(model.predict_proba(batch))
            labels = np.asarray(model.predict(batch))
        return proba.reshape(len(batch), -1)[:, column], labels

    for start in range(0, len(paths), batch_size):
        batch = list(paths[start:start + batch_size])
        try:
            results = [(p, score, label, None) for p, score, label in zip(batch, *run(batch))]
        except Exception:
            results = [_predict_one(run, p) for p in batch]
        readable = [p for p, _, _, error in results if error is None]
        verdicts = _gate_verdicts(model, readable, check_images) if has_gate and readable else {}
        for p, score, label, error in results:
            row = dict.fromkeys(CSV_COLUMNS, None) | {"path": p, "error": error}
            if error is None:
                row |= {"p_covid": float(score), "predicted": str(label)}
                row |= verdicts.get(p, {"verdict": "unchecked"})
            yield row


def _predict_one(run, path):
    """``(path, score, label, error)``; a model failure on a readable image is a CLIError."""
    from ..preprocessing import read_image

    try:
        (score,), (label,) = run([path])
        return path, score, label, None
    except Exception as exc:
        failure = exc
    try:  # the file or the model? decode it alone with skcxr's one decoder
        read_image(path, size=(8, 8))
    except Exception as exc:
        return path, None, None, f"{type(exc).__name__}: {_short(exc)}"
    raise CLIError(f"the model failed on {path}, an image skcxr can read: "
                   f"{type(failure).__name__}: {_short(failure)}") from failure


def _gate_verdicts(model, paths, check_images):
    try:
        report = check_images(model, paths)
    except Exception as exc:  # a gate that fails must not stop the batch
        return {p: {"verdict": "gate error", "reason": _short(exc)} for p in paths}
    verdicts = {}
    for p, row in zip(paths, report.itertuples(index=False)):
        if not row.chest_xray:
            verdict = "not a chest X-ray"
        elif not row.familiar:
            verdict = "unfamiliar source"
        else:
            verdict = "ok"
        verdicts[p] = {"verdict": verdict, "chest_xray": bool(row.chest_xray),
                       "familiar": bool(row.familiar), "reason": row.reason or ""}
    return verdicts


def format_row(row, pos_label="covid"):
    """The tab-separated output line of one row (always four fields)."""
    if row["error"] is not None:
        return f"{row['path']}\t-\t-\tunreadable: {row['error']}"
    verdict = row["verdict"]
    if verdict not in ("ok", "unchecked") and row.get("reason"):
        verdict = f"{verdict}: {row['reason']}"
    return f"{row['path']}\tP({pos_label})={row['p_covid']:.4f}\t{row['predicted']}\t{verdict}"


def summarize(rows, model_path, pos_label="covid"):
    n_bad = sum(row["error"] is not None for row in rows)
    good = [row for row in rows if row["error"] is None]
    counts = {}
    for row in good:
        counts[row["predicted"]] = counts.get(row["predicted"], 0) + 1
    labels = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
    checked = [row for row in good if row["verdict"] != "unchecked"]
    failed = sum(row["verdict"] != "ok" for row in checked)
    gate = (f"gate: {len(checked) - failed} passed, {failed} failed" if checked
            else "gate: unchecked (the model carries none)" if good else "gate: -")
    return (f"{len(rows)} file(s): {len(good)} predicted ({labels or 'none'}), {n_bad} unreadable; "
            f"{gate}; model {model_path}; research use only, not a diagnostic device")


def run_predict(args):
    import pandas as pd

    from ..applicability import find_gate

    model = load_cli_model(args.model, trust=args.trust, trust_pickle=args.trust_pickle,
                           verbose=args.verbose)
    if args.strict and find_gate(model) is None:
        raise CLIError(f"--strict needs a model that carries an applicability gate; {args.model} "
                       "carries none (fit a recipe such as skcxr.make_multisource_pipeline())")
    if args.batch_size < 1:
        raise CLIError(f"--batch-size must be at least 1, got {args.batch_size}")
    files = collect_files(args.paths)
    if not files:
        raise CLIError(f"no files found in {args.paths}")
    predicted = predict_files(model, [p for p, problem in files if not problem],
                              pos_label=args.pos_label, batch_size=args.batch_size)
    rows = []
    for path, problem in files:  # printed as they come, in order
        row = next(predicted) if not problem else (
            dict.fromkeys(CSV_COLUMNS, None) | {"path": path, "error": problem})
        print(format_row(row, args.pos_label), flush=True)
        rows.append(row)
    if args.csv:
        pd.DataFrame(rows, columns=CSV_COLUMNS).to_csv(args.csv, index=False)
    print(summarize(rows, args.model, args.pos_label), file=sys.stderr)
    if args.strict and any(row["error"] is None and row["verdict"] != "ok" for row in rows):
        return EXIT_GATE
    return EXIT_UNREADABLE if any(row["error"] is not None for row in rows) else EXIT_OK
