"""Every script in examples/ runs, on synthetic data with quick settings.

Each example is run as a user runs it (``python examples/<name>.py``) in a
subprocess with ``SKCXR_EXAMPLE_QUICK=1`` (tiny images, few epochs) and its
printed tables and written files are checked. ``predict.py`` (``skcxr predict``)
classifies images with the model that ``plot_train_evaluate.py`` saved.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


# a line of TensorFlow's C++ logging: "I0000 00:00:... port.cc:153] ...", "E0000 ... cuInit"
CPP_LOG_LINE = re.compile(r"^([IWEF]\d{4} \d\d:\d\d:|WARNING: All log messages before absl)",
                          flags=re.MULTILINE)


def run_example(name, *args, cwd, check=True):
    # as a user runs it: TF_CPP_MIN_LOG_LEVEL unset (conftest sets it for this process)
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(SKCXR_EXAMPLE_QUICK="1", MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *map(str, args)],
                            capture_output=True, text=True, env=env, cwd=cwd, timeout=600)
    if check:
        assert result.returncode == 0, (
            f"{name} failed (rc {result.returncode}):\n{result.stdout[-3000:]}\n"
            f"{result.stderr[-5000:]}")
    return result


def run_example_in_process(name, *args, cwd, capsys, monkeypatch):
    """Run ``examples/<name>``'s ``main(args)`` in this process (no second TensorFlow start).

    The main job runs as a user runs it (:func:`run_example`); the other
    examples' output and files are the same in process, about 8 s sooner
    each on 2 cores.
    """
    import importlib.util

    monkeypatch.chdir(cwd)
    monkeypatch.setenv("SKCXR_EXAMPLE_QUICK", "1")
    spec = importlib.util.spec_from_file_location(f"example_{Path(name).stem}", EXAMPLES / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    capsys.readouterr()  # drop what was printed before
    module.main([str(a) for a in args])
    captured = capsys.readouterr()
    return subprocess.CompletedProcess([name, *args], 0, captured.out, captured.err)


def assert_study_tables(stdout):
    """The two tables of classification_summary, with values in [0, 1]."""
    assert "Table 1: per class" in stdout
    assert "Table 2: overall" in stdout
    for metric in ("accuracy", "sensitivity", "specificity", "roc_auc"):
        match = re.search(rf"^{metric}\s+([0-9.]+|n/a)", stdout, flags=re.MULTILINE)
        assert match, f"{metric} row missing"
        if match.group(1) != "n/a":
            assert 0.0 <= float(match.group(1)) <= 1.0
    for label in ("covid", "non-covid"):
        # precision, recall, F1, support (a count) and its share
        assert re.search(rf"^{label}\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s+\d+\s+[0-9.]+%", stdout,
                         flags=re.MULTILINE), f"per-class row of {label} missing"


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """plot_train_evaluate.py in quick mode: (output folder, CompletedProcess)."""
    workdir = tmp_path_factory.mktemp("train_evaluate")
    out = workdir / "out"
    result = run_example("plot_train_evaluate.py", "--output-dir", out, cwd=workdir)
    return out, result


@pytest.fixture(scope="module")
def trained(trained_run):
    """plot_train_evaluate.py in quick mode: (output folder, stdout)."""
    out, result = trained_run
    return out, result.stdout


# ------------------------------------------------------------ the examples
def test_plot_train_evaluate(trained_run):
    out, result = trained_run
    stdout, stderr = result.stdout, result.stderr
    # step 1: the one-line summary of the table
    summary = re.search(r"^(\d+) images: (\d+) covid / (\d+) non-covid; (\d+) patients",
                        stdout, flags=re.MULTILINE)
    assert summary
    n, n_covid, n_healthy, n_patients = map(int, summary.groups())
    assert n == n_covid + n_healthy and n_patients < n  # some patients have two films
    # step 2: a patient split that covers every image
    sizes = {name: (int(images), int(patients)) for name, images, patients in re.findall(
        r"^(train|test): (\d+) images of (\d+) patients", stdout, flags=re.MULTILINE)}
    assert sizes["train"][0] + sizes["test"][0] == n
    assert sizes["train"][1] + sizes["test"][1] == n_patients  # no patient on both sides
    # steps 4-5: training progress, the two tables, the files
    # one line per epoch (not Keras' two), then the time it took
    epochs = re.findall(r"^\[CXRClassifier\] epoch (\d+)/(\d+): loss [0-9.]+, accuracy [0-9.]+, "
                        r"val_loss [0-9.]+, val_accuracy [0-9.]+ \([0-9.]+ s\)$", stdout,
                        flags=re.MULTILINE)
    assert [int(e) for e, _ in epochs] == [1, 2] and {n for _, n in epochs} == {"2"}, stdout
    assert not re.search(r"^Epoch \d+/\d+", stdout, flags=re.MULTILINE)
    assert re.search(r"^trained 2 epochs in \d+ s$", stdout, flags=re.MULTILINE)
    # quiet: no TensorFlow C++ start-up line, no retracing warning
    assert not CPP_LOG_LINE.search(stderr), stderr[:2000]
    assert_study_tables(stdout)
    for name in ("model.skops", "model.joblib", "model.keras", "summary.txt", "summary.json",
                 "history.png", "confusion_matrix.png", "roc_curve.png", "model_summary.txt"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    numbers = json.loads((out / "summary.json").read_text())
    assert numbers["n_samples"] == sizes["test"][0]
    assert 0.0 <= numbers["accuracy"] <= 1.0
    assert "Total params" in (out / "model_summary.txt").read_text()
    assert "Table 1: per class" in (out / "summary.txt").read_text()
    # the plots name the data they show
    from PIL import Image

    assert Image.open(out / "history.png").size[0] >= 800


def test_plot_train_evaluate_never_overwrites_an_earlier_run(trained_run):
    out, _ = trained_run
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    result = run_example("plot_train_evaluate.py", "--output-dir", out, cwd=out.parent,
                         check=False)
    assert result.returncode != 0
    assert f"--output-dir {out} already holds files of an earlier run" in result.stderr
    assert "--overwrite" in result.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before  # untouched


def test_predict_prints_one_line_per_image_with_a_probability(trained, tmp_path):
    from skcxr.datasets import make_synthetic_cxr

    out, _ = trained
    images = make_synthetic_cxr(5, tmp_path / "images", image_size=48, random_state=3)["path"]
    paths = list(images)
    result = run_example("predict.py", "--model", out / "model.joblib", "--trust-pickle",
                         *paths, cwd=tmp_path)
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(paths)
    for path, line in zip(paths, lines):  # in the order given
        shown, probability, label, verdict = line.split("\t")
        assert shown == path
        p = float(re.fullmatch(r"P\(covid\)=([0-9.]+)", probability).group(1))
        assert 0.0 <= p <= 1.0
        assert label in ("covid", "non-covid")
        if abs(p - 0.5) > 1e-3:
            assert (label == "covid") == (p > 0.5)
        assert verdict == "unchecked"  # the five-block pipeline carries no gate
    assert "not a diagnostic device" in result.stderr


def test_predict_reads_a_skops_model_and_names_a_file_it_cannot_read(trained, tmp_path):
    import joblib

    import skcxr

    out, _ = trained
    model = skcxr.save_model(joblib.load(out / "model.joblib"), tmp_path / "model.skops")
    image = tmp_path / "x.png"
    image.write_bytes(b"")
    missing = tmp_path / "no-such-xray.png"
    result = run_example("predict.py", "--model", model, image, missing, cwd=tmp_path,
                         check=False)
    assert result.returncode == 1, result.stderr[-2000:]  # some files unreadable
    lines = [line.split("\t") for line in result.stdout.strip().splitlines()]
    assert [line[0] for line in lines] == [str(image), str(missing)]
    assert lines[0][3].startswith("unreadable: ") and "x.png" in lines[0][3]
    assert lines[1][3] == "unreadable: no such file or folder"


def test_plot_grid_search(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    result = run_example_in_process("plot_grid_search.py", "--output-dir", out, cwd=tmp_path,
                                    capsys=capsys, monkeypatch=monkeypatch)
    assert "candidates sorted by accuracy" in result.stdout
    assert "best by accuracy" in result.stdout
    assert_study_tables(result.stdout)  # the refitted best model on held-out patients
    table = pd.read_csv(out / "grid_search_results.csv")
    assert len(table) == 2  # the quick grid: 2 epochs values x 1 x 1
    assert {"epochs", "batch_size", "fc_units", "accuracy", "sensitivity", "specificity",
            "roc_auc", "rank"} <= set(table.columns)
    assert table["rank"].is_monotonic_increasing  # sorted by the refit score
    means = table["accuracy"].str.split(" ± ").str[0].astype(float)
    assert means.between(0, 1).all()
    assert (out / "grid_search.png").stat().st_size > 0


def test_plot_cross_validation(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    result = run_example_in_process("plot_cross_validation.py", "--output-dir", out, cwd=tmp_path,
                                    capsys=capsys, monkeypatch=monkeypatch)
    assert "mean ± std over 2 folds" in result.stdout
    for scorer in ("accuracy", "sensitivity", "specificity", "roc_auc"):
        assert re.search(rf"^  {scorer}\s+[0-9.]+ ± [0-9.]+$", result.stdout,
                         flags=re.MULTILINE), scorer
    per_fold = pd.read_csv(out / "cross_validation.csv", index_col="fold")
    assert list(per_fold.index) == [1, 2]
    scores = per_fold[["accuracy", "balanced_accuracy", "sensitivity", "specificity", "roc_auc"]]
    assert ((scores >= 0) & (scores <= 1)).all().all()
    assert (out / "cross_validation.png").stat().st_size > 0


def test_plot_grad_cam(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    result = run_example_in_process("plot_grad_cam.py", "--output-dir", out, cwd=tmp_path,
                                    capsys=capsys, monkeypatch=monkeypatch)
    match = re.search(r"^\s+all\s+([0-9.]+)", result.stdout, flags=re.MULTILINE)
    assert "central-region focus" in result.stdout and match
    assert 0.0 <= float(match.group(1)) <= 1.0
    figures = sorted(p.name for p in out.glob("grad_cam_*.png"))
    assert figures and set(figures) <= {"grad_cam_correct.png", "grad_cam_wrong.png"}


def test_plot_dicom(tmp_path, capsys, monkeypatch):
    pytest.importorskip("pydicom")
    out = tmp_path / "out"
    result = run_example_in_process("plot_dicom.py", "--output-dir", out, cwd=tmp_path,
                                    capsys=capsys, monkeypatch=monkeypatch)
    # the demo export: 4 held-out X-rays as MONOCHROME1 12-bit DICOM, a lateral, a report
    assert "4 DICOM radiographs kept, 2 files skipped" in result.stdout
    assert "skipped: 1 view LL" in result.stdout and "skipped: 1 no pixel data" in result.stdout
    match = re.search(r"max \|P\(covid\) DICOM copy - PNG original\| = ([0-9.e+-]+)",
                      result.stdout)
    assert match and float(match.group(1)) < 0.02
    predictions = pd.read_csv(out / "predictions.csv")
    assert len(predictions) == 4 and predictions["p_covid"].between(0, 1).all()
    assert predictions["label"].isin(["covid", "non-covid"]).all()  # the user's labels, joined
    from PIL import Image

    width, height = Image.open(out / "dicom_check.png").size
    assert width >= 1200 and height >= 400  # was 540 x 297 px


def test_plot_pretrained_grid_search(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    result = run_example_in_process("plot_pretrained_grid_search.py", "--output-dir", out, cwd=tmp_path,
                                    capsys=capsys, monkeypatch=monkeypatch)
    match = re.search(r"images run through the network: (\d+) \((\d+) images x 1 embedder setting",
                      result.stdout)
    assert match and match.group(1) == match.group(2)  # each image embedded once
    assert "best by roc_auc" in result.stdout
    assert_study_tables(result.stdout)
    table = pd.read_csv(out / "pretrained_grid_search.csv")
    assert len(table) == 2 and {"layer", "C", "roc_auc", "rank"} <= set(table.columns)
    assert table["rank"].is_monotonic_increasing
    assert (out / "pretrained_grid_search.png").stat().st_size > 0


# -------------------------------------------------------- house rules
TESTED = {"plot_train_evaluate.py", "predict.py", "plot_grid_search.py",
          "plot_cross_validation.py", "plot_grad_cam.py", "plot_dicom.py",
          "plot_pretrained_grid_search.py"}


def test_every_example_is_run_by_this_module():
    assert {p.name for p in EXAMPLES.glob("*.py")} == TESTED


@pytest.mark.parametrize("name", sorted(TESTED))
def test_example_starts_with_a_titled_docstring_and_shares_the_flags(name):
    import ast

    source = (EXAMPLES / name).read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring, f"{name} has no module docstring"
    title, underline = docstring.splitlines()[:2]
    assert set(underline) == {"="} and len(underline) >= len(title), name
    assert "Usage::" in docstring
    if name != "predict.py":
        for flag in ("--quick", "--output-dir", "--overwrite", "--covid-root",
                     "--pneumonia-root"):
            assert flag in source, f"{name} lacks {flag}"
        assert "SKCXR_EXAMPLE_QUICK" in source


def test_predict_one_image(trained, tmp_path):
    """The most common use: one file (scikeras squeezed a single row to shape (2,))."""
    from skcxr.datasets import make_synthetic_cxr

    out, _ = trained
    path = make_synthetic_cxr(2, tmp_path / "one", image_size=48, random_state=4)["path"][0]
    result = run_example("predict.py", "--model", out / "model.joblib", "--trust-pickle", path,
                         cwd=tmp_path)
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}\tP(covid)=")


def _bad_model_files(folder, trained_model):
    import pickle
    import zipfile

    folder.mkdir()
    files = {}
    data = trained_model.read_bytes()
    files["truncated"] = folder / "truncated.joblib"
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["corrupt"] = folder / "corrupt.joblib"
    files["corrupt"].write_bytes(b"\x00not a pickle\xff" * 100)
    files["keras"] = folder / "model.keras"
    with zipfile.ZipFile(files["keras"], "w") as archive:
        archive.writestr("config.json", "{}")
    files["dict"] = folder / "dict.joblib"
    files["dict"].write_bytes(pickle.dumps({"classes": ["covid", "non-covid"]}))
    return files


@pytest.mark.parametrize("kind, flags, reason", [
    ("truncated", ["--trust-pickle"], "could not be unpickled"),
    ("truncated", [], "unpickling runs any code"),  # refused before it is read
    ("corrupt", [], "neither a skops file nor a pickle"),
    ("keras", [], "Keras model archive"),
    ("dict", ["--trust-pickle"], "holds a dict"),
])
def test_predict_names_a_bad_model_file_and_the_fix(trained, tmp_path, kind, flags, reason):
    out, _ = trained
    model = _bad_model_files(tmp_path / "models", out / "model.joblib")[kind]
    image = tmp_path / "x.png"
    image.write_bytes(b"")  # never reached: the model is checked first
    result = run_example("predict.py", "--model", model, *flags, image, cwd=tmp_path,
                         check=False)
    assert result.returncode == 2
    message = result.stderr.strip().splitlines()[-1]
    assert str(model) in message and reason in message, result.stderr[-2000:]
    assert "skcxr train" in message or "skcxr.save_model" in message  # the fix
    assert "Traceback" not in result.stderr
