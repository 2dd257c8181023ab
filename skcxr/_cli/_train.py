"""``skcxr train [DATA_ROOT]`` and ``skcxr evaluate MODEL DATA``: the main job from the shell."""

import json
import sys
import tempfile
import time
from pathlib import Path

from ..utils._console import quiet_tensorflow
from ._main import EXIT_OK, EXIT_UNREADABLE, CLIError

RECIPES = ("default", "pretrained", "multisource")
WRITTEN = ("model.skops", "summary.txt", "summary.json")


def add_train_parser(commands):
    parser = commands.add_parser(
        "train", help="train and evaluate a model, save it as model.skops",
        description="The main job: build the labelled table (from DATA_ROOT, or synthetic "
                    "X-rays when none is given), hold out about 1/K of the patients, train the "
                    "recipe on the others, print the study's two tables on the held-out "
                    "patients and save the model (model.skops) and the tables in OUTPUT_DIR.")
    parser.add_argument("data_root", nargs="?",
                        help="folder holding covid-chestxray/ and the healthy sources (as "
                             "skcxr.datasets.make_covid_dataset_from_root takes), or a folder "
                             "with a metadata.csv; default: 400 synthetic 64 px X-rays")
    parser.add_argument("-o", "--output-dir", default="skcxr_model",
                        help="new folder for the model and tables (default: skcxr_model)")
    parser.add_argument("--overwrite", action="store_true",
                        help=f"replace {', '.join(WRITTEN)} in an existing --output-dir")
    parser.add_argument("--recipe", choices=RECIPES, default="default",
                        help="default: the study's five-block CNN (skcxr.make_default_pipeline); "
                             "pretrained / multisource: frozen ImageNet features + logistic "
                             "regression (need the MobileNetV2 weights: $SKCXR_WEIGHTS)")
    parser.add_argument("--epochs", type=int, help="training epochs (CNN recipe)")
    parser.add_argument("--n-images", type=int, default=None,
                        help="synthetic images (default 400; --quick: 48)")
    parser.add_argument("--test-size", type=int, default=4, metavar="K",
                        help="hold out 1/K of the patients (default 4)")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="a tiny run (seconds): 32 px, a small CNN, 2 epochs")
    parser.set_defaults(run=run_train, needs_model=False)
    return parser


def add_evaluate_parser(commands):
    parser = commands.add_parser(
        "evaluate", help="the study's tables for a saved model on labelled images",
        description="Predict every image of DATA (a data root, a folder with a metadata.csv, "
                    "or a CSV file with columns path, label and optionally patientid, source) "
                    "and print the study's two tables (bootstrap intervals over patients) and "
                    "the numbers per source. Images the model was trained on make them "
                    "optimistic.")
    parser.add_argument("model", help="model file (.skops)")
    parser.add_argument("data", help="data root, folder with metadata.csv, or CSV table")
    parser.add_argument("--csv", metavar="FILE", help="also write the per-image predictions")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--random-state", type=int, default=0, help="seeds the bootstrap")
    parser.set_defaults(run=run_evaluate, needs_model=True)
    return parser


# ------------------------------------------------------------------ tables
def load_labelled_table(data):
    """A labelled table from a data root, a folder with metadata.csv, or a CSV file."""
    import pandas as pd

    from ..datasets import load_xray_folder, make_covid_dataset_from_root

    data = Path(data)
    try:
        if data.is_file():
            table = pd.read_csv(data)
            missing = {"path", "label"} - set(table.columns)
            if missing:
                raise ValueError(f"{data} lacks the column(s) {sorted(missing)}")
            table["path"] = [str(p if Path(p).is_absolute() else data.parent / p)
                             for p in table["path"]]
            return table
        if (data / "metadata.csv").is_file():
            return load_xray_folder(data, missing_patientid="per-image")
        return make_covid_dataset_from_root(data)
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot read labelled images from {data}: {exc}") from None


def _set_matching(model, suffix, value):
    """Set every parameter named ``...suffix`` (recipes may wrap their pipeline)."""
    names = [k for k in model.get_params() if k == suffix or k.endswith("__" + suffix)]
    model.set_params(**{k: value for k in names})


def build_recipe(args, synthetic):
    from .. import make_default_pipeline, make_multisource_pipeline, make_pretrained_pipeline

    if args.recipe != "default":
        model = (make_pretrained_pipeline if args.recipe == "pretrained"
                 else make_multisource_pipeline)()
        if synthetic:
            _set_matching(model, "loader__size", (32, 32) if args.quick else (96, 96))
        return model
    model = make_default_pipeline(classifier__random_state=args.random_state,
                                  classifier__verbose=2)
    if args.quick:
        model.set_params(loader__size=(32, 32), classifier__architecture="small_cnn",
                         classifier__epochs=2, classifier__batch_size=8,
                         classifier__augmentation=None)
    elif synthetic:  # as examples/plot_train_evaluate.py: keep the epoch of lowest val_loss
        model.set_params(loader__size=(64, 64), classifier__epochs=20, classifier__batch_size=16,
                         classifier__validation_split=0.1, classifier__early_stopping=5)
    if args.epochs is not None:
        model.set_params(classifier__epochs=args.epochs)
    return model


def _prepare_output(folder, overwrite):
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--output-dir {out} is a file; choose a folder")
    clashes = [name for name in WRITTEN if (out / name).exists()]
    if clashes and not overwrite:
        raise CLIError(f"{out} already holds {', '.join(clashes)}; choose a new --output-dir "
                       "or pass --overwrite to replace them")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _summary(table, y_pred, p_covid, random_state):
    from ..metrics import classification_summary

    groups = table["patientid"] if "patientid" in table else None
    return classification_summary(table["label"].to_numpy(), y_pred, p_covid, groups=groups,
                                  random_state=random_state, zero_division=0.0)


def per_source(table, y_pred):
    """Accuracy, sensitivity and specificity per source (a DataFrame)."""
    import pandas as pd

    from ..metrics import sensitivity_score, specificity_score

    rows = []
    for source, part in table.assign(pred=y_pred).groupby("source", sort=True):
        y, p = part["label"], part["pred"]
        row = {"source": source, "n": len(part), "accuracy": (y == p).mean()}
        for name, score in (("sensitivity", sensitivity_score), ("specificity", specificity_score)):
            row[name] = score(y, p, zero_division=float("nan"))
        rows.append(row)
    return pd.DataFrame(rows).set_index("source")


# ------------------------------------------------------------------ commands
def run_train(args):
    import numpy as np
    from sklearn.model_selection import StratifiedGroupKFold

    from .._persistence import save_model
    from ..datasets import make_synthetic_cxr, summarize_dataset

    out = _prepare_output(args.output_dir, args.overwrite)
    quiet_tensorflow(args.verbose)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        if args.data_root:
            table = load_labelled_table(args.data_root)
        else:
            n = args.n_images or (48 if args.quick else 400)
            print(f"synthetic data: {n} X-rays of 64 px (pass DATA_ROOT for real images)")
            table = make_synthetic_cxr(n, workdir, image_size=64, random_state=args.random_state)
        print(summarize_dataset(table))
        cv = StratifiedGroupKFold(args.test_size, shuffle=True, random_state=args.random_state)
        train_idx, test_idx = next(cv.split(table, table["label"], groups=table["patientid"]))
        train, test = table.iloc[train_idx], table.iloc[test_idx].reset_index(drop=True)
        print(f"train: {len(train)} images of {train['patientid'].nunique()} patients; "
              f"test: {len(test)} images of {test['patientid'].nunique()} other patients")
        model = build_recipe(args, synthetic=not args.data_root)
        print(f"training the {args.recipe} recipe on {len(train)} images")
        model.fit(train, train["label"])  # a table: recipes read patient groups from it
        p_covid = model.predict_proba(test["path"])[:, list(model.classes_).index("covid")]
        y_pred = np.asarray(model.predict(test["path"]))
    summary = _summary(test, y_pred, p_covid, args.random_state)
    print(f"\nheld-out patients ({len(test)} images; internal numbers: the same sources "
          f"as training)\n{summary}")
    save_model(model, out / "model.skops")
    (out / "summary.txt").write_text(str(summary) + "\n")
    (out / "summary.json").write_text(json.dumps(summary.to_dict(), indent=2) + "\n")
    size = (out / "model.skops").stat().st_size / 1e6
    print(f"\nsaved to {out}/: {', '.join(WRITTEN)} (model {size:.1f} MB) in "
          f"{time.perf_counter() - start:.0f} s")
    print(f"classify images with: skcxr predict {out / 'model.skops'} IMAGE_OR_FOLDER ...")
    return EXIT_OK


def run_evaluate(args):
    import pandas as pd

    from ._predict import load_cli_model, predict_files

    model = load_cli_model(args.model, trust=args.trust, trust_pickle=args.trust_pickle,
                           verbose=args.verbose)
    table = load_labelled_table(args.data).reset_index(drop=True)
    rows = pd.DataFrame(list(predict_files(model, list(table["path"]),
                                           batch_size=args.batch_size)))
    bad = rows["error"].notna().to_numpy()
    for path, error in rows.loc[bad, ["path", "error"]].itertuples(index=False):
        print(f"{path}\tunreadable: {error}", file=sys.stderr)
    good = table[~bad].reset_index(drop=True)
    if good.empty:
        raise CLIError(f"none of the {len(table)} images of {args.data} could be read",
                       EXIT_UNREADABLE)
    kept = rows[~bad].reset_index(drop=True)
    summary = _summary(good, kept["predicted"].to_numpy(), kept["p_covid"].to_numpy(),
                       args.random_state)
    print(f"{len(good)} images of {args.data} ({int(bad.sum())} unreadable)\n{summary}")
    if "source" in good:
        print("\nper source\n" + per_source(good, kept["predicted"].to_numpy())
              .to_string(float_format=lambda v: f"{v:.3f}"))
    if args.csv:
        kept.assign(label=good["label"]).to_csv(args.csv, index=False)
    print("internal numbers if the model was trained on these sources; research use only",
          file=sys.stderr)
    return EXIT_UNREADABLE if bad.any() else EXIT_OK
