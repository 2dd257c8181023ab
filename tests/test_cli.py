"""The ``skcxr`` command: predict (files, folders, bad files, gate verdicts, exit codes, safe
model loading), train (no silent overwrite) and evaluate, on tiny synthetic models."""

import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

import skcxr
from skcxr._cli import EXIT_GATE, EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, main

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
DENTAL = "dicom/CR-ModalitySequenceLUT.dcm"  # a dental film, in the real data's dicom/ folder
# A TensorFlow C++ log line ("I0000 00:00:1796228525.140125 6299 port.cc:153] ...") or absl's
TF_LOG_LINE = re.compile(r"^([IWEF]\d{4} \d\d:\d\d:\d\d|WARNING: All log messages before absl)",
                         re.MULTILINE)


class _NameGate:
    """A stand-in applicability gate: 'dental' files are no chest X-ray, 'odd' ones unfamiliar."""

    def check(self, X):
        paths = [str(p) for p in X]
        chest = ["dental" not in Path(p).name for p in paths]
        familiar = ["odd" not in Path(p).name for p in paths]
        reason = ["" if c and f else "looks like a dental film" if not c else "unlike training"
                  for c, f in zip(chest, familiar)]
        return pd.DataFrame({"path": paths, "chest_xray": chest, "familiar": familiar,
                             "reason": reason})


GATE_TYPE = f"{_NameGate.__module__}._NameGate"


@pytest.fixture(scope="module")
def models(synthetic_table, tmp_path_factory):
    """The tiny default pipeline, saved as skops with and without a gate, and as joblib."""
    folder = tmp_path_factory.mktemp("cli_models")
    table = synthetic_table.iloc[:24]
    pipe = skcxr.make_default_pipeline(
        loader__size=(32, 32), classifier__architecture="small_cnn", classifier__epochs=1,
        classifier__augmentation=None, classifier__verbose=0, classifier__random_state=0)
    pipe.fit(table["path"], table["label"])
    files = {"skops": skcxr.save_model(pipe, folder / "model.skops"),
             "joblib": folder / "model.joblib"}
    joblib.dump(pipe, files["joblib"])
    pipe.gate_ = _NameGate()
    files["gated"] = skcxr.save_model(pipe, folder / "gated.skops")
    del pipe.gate_
    return {name: str(path) for name, path in files.items()} | {"pipe": pipe}


@pytest.fixture
def folder(synthetic_table, tmp_path):
    """images/: b/ holding two X-rays, a.png, notes.txt, .hidden; in sorted order."""
    root = tmp_path / "images"
    (root / "b").mkdir(parents=True)
    paths = list(synthetic_table["path"][:3])
    shutil.copy(paths[0], root / "a.png")
    shutil.copy(paths[1], root / "b" / "odd_1.png")
    shutil.copy(paths[2], root / "b" / "x_2.png")
    (root / "notes.txt").write_text("not an image")
    (root / ".hidden").write_text("skipped")
    return root


def _lines(text):
    return [line.split("\t") for line in text.strip().splitlines()]


def test_predict_a_folder_one_line_per_file_in_sorted_order(models, folder, capsys):
    missing = folder.parent / "gone.png"
    code = main(["predict", models["skops"], str(folder), str(missing)])
    out, err = capsys.readouterr()
    rows = _lines(out)
    assert [r[0] for r in rows] == [str(folder / "a.png"), str(folder / "b" / "odd_1.png"),
                                    str(folder / "b" / "x_2.png"), str(folder / "notes.txt"),
                                    str(missing)]
    assert all(len(r) == 4 for r in rows)
    expected = models["pipe"].predict([r[0] for r in rows[:3]])
    for row, label in zip(rows[:3], expected):
        assert re.fullmatch(r"P\(covid\)=[01]\.\d{4}", row[1]) and row[2] == label
        assert row[3] == "unchecked"  # this model carries no gate
    assert rows[3][3].startswith("unreadable: ")
    assert rows[4][3] == "unreadable: no such file or folder"
    assert code == EXIT_UNREADABLE  # the bad files did not stop the others
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("5 file(s): 3 predicted") and "2 unreadable" in summary
    assert "not a diagnostic device" in summary


def test_predict_csv_holds_the_rows(models, folder, tmp_path, capsys):
    csv = tmp_path / "rows.csv"
    assert main(["predict", models["skops"], str(folder / "b"), "--csv", str(csv)]) == EXIT_OK
    table = pd.read_csv(csv)
    assert list(table["path"]) == [str(folder / "b" / "odd_1.png"), str(folder / "b" / "x_2.png")]
    proba = models["pipe"].predict_proba(table["path"])[:, 0]  # classes: covid, non-covid
    np.testing.assert_allclose(table["p_covid"], proba, rtol=1e-4)
    assert (table["verdict"] == "unchecked").all() and table["error"].isna().all()


def test_gate_verdicts_and_strict(models, folder, capsys):
    dental = folder / "dental.png"
    shutil.copy(folder / "a.png", dental)
    args = ["predict", models["gated"], str(folder / "a.png"), str(dental),
            str(folder / "b" / "odd_1.png"), "--trust", GATE_TYPE]
    assert main(args) == EXIT_OK  # failing the gate is reported, not an error
    assert main(args + ["--strict"]) == EXIT_GATE
    assert main(["predict", models["gated"], str(folder / "a.png"), "--trust", GATE_TYPE,
                 "--strict"]) == EXIT_OK
    out, err = capsys.readouterr()
    verdicts = [r[3] for r in _lines(out)[:3]]
    assert verdicts == ["ok", "not a chest X-ray: looks like a dental film",
                        "unfamiliar source: unlike training"]
    assert "gate: 1 passed, 2 failed" in err
    # --strict with a model without a gate is a usage error, not a silent pass
    assert main(["predict", models["skops"], str(folder / "a.png"), "--strict"]) == EXIT_USAGE
    assert "carries none" in capsys.readouterr().err


def test_a_foreign_type_in_a_model_file_is_refused_unless_trusted(models, folder, capsys):
    assert main(["predict", models["gated"], str(folder / "a.png")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert GATE_TYPE in err and "--trust TYPE" in err


def test_a_pickle_that_runs_code_is_refused_and_never_run(folder, tmp_path, capsys):
    marker = tmp_path / "code-ran"
    evil = tmp_path / "model.joblib"
    evil.write_bytes(pickle.dumps(_RunsCode(marker)))
    assert main(["predict", str(evil), str(folder / "a.png")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "refusing to load" in err and "unpickling runs any code" in err
    assert "--trust-pickle" in err
    assert not marker.exists()


def test_a_trusted_pickle_loads(models, folder, capsys):
    assert main(["predict", models["joblib"], str(folder / "a.png"), "--trust-pickle"]) == EXIT_OK
    assert capsys.readouterr().out.startswith(f"{folder / 'a.png'}\tP(covid)=")


@pytest.mark.parametrize("content, message", [
    (None, "no model at"),
    (b"PK\x03\x04 truncated zip", "a damaged zip archive"),
    (b"hello, not a model", "neither a skops file nor a pickle"),
])
def test_unusable_model_files_are_named(content, message, folder, tmp_path, capsys):
    model = tmp_path / "model.skops"
    if content is not None:
        model.write_bytes(content)
    assert main(["predict", str(model), str(folder / "a.png")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert str(model) in err and message in err and "skcxr train" in err
    assert "Traceback" not in err


def test_train_never_overwrites_silently_and_evaluate_prints_the_tables(
        synthetic_table, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--quick", "-o", str(out)]) == EXIT_OK
    stdout = capsys.readouterr().out
    assert "Table 2: overall" in stdout and "skcxr predict" in stdout
    written = {name: (out / name).stat().st_mtime_ns for name in
               ("model.skops", "summary.txt", "summary.json")}
    assert main(["train", "--quick", "-o", str(out)]) == EXIT_USAGE
    assert "--overwrite" in capsys.readouterr().err
    assert {n: (out / n).stat().st_mtime_ns for n in written} == written  # untouched

    table = synthetic_table.iloc[:30].assign(source="synthetic")
    csv = tmp_path / "table.csv"
    table.to_csv(csv, index=False)
    predictions = tmp_path / "predictions.csv"
    assert main(["evaluate", str(out / "model.skops"), str(csv), "--csv",
                 str(predictions)]) == EXIT_OK
    stdout = capsys.readouterr().out
    assert "30 images" in stdout and "Table 1: per class" in stdout
    assert re.search(r"^synthetic\s+30\s+[01]\.\d{3}", stdout, flags=re.MULTILINE)
    assert len(pd.read_csv(predictions)) == 30


def _run(args, env_extra=None, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(PYTHONPATH=os.pathsep.join([str(REPO), str(TESTS)]), **(env_extra or {}))
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


@pytest.mark.slow
def test_train_with_a_validation_split_prints_no_tensorflow_log_line(tmp_path):
    # a seeded fit with a validation split: under op determinism tf.data rewrites Keras'
    # validation pipeline and TensorFlow logged "E0000 ... node_def_util.cc ...
    # use_unbounded_threadpool" at TF_CPP_MIN_LOG_LEVEL=2 (the command's level before)
    result = _run(["-m", "skcxr", "train", "--n-images", "120", "--epochs", "1", "-o",
                   tmp_path / "out"], cwd=tmp_path)
    assert result.returncode == EXIT_OK, result.stderr[-2000:]
    assert "val_loss" in result.stdout  # the run had a validation split
    assert not TF_LOG_LINE.search(result.stderr), result.stderr[:2000]


def test_predict_py_on_a_text_file_a_dental_film_and_chest_xrays(models, folder, data_root):
    """Issue 19: a verdict for each file, none aborts the batch; no TensorFlow log lines."""
    pytest.importorskip("pydicom")
    dental = data_root / DENTAL
    shutil.copy(dental, folder / "dental_film.dcm")
    result = _run([REPO / "examples" / "predict.py", folder, "--model", models["gated"],
                   "--trust", GATE_TYPE], cwd=folder.parent)
    rows = {Path(r[0]).name: r for r in _lines(result.stdout)}
    assert set(rows) == {"a.png", "odd_1.png", "x_2.png", "notes.txt", "dental_film.dcm"}
    assert rows["dental_film.dcm"][3].startswith("not a chest X-ray")
    assert rows["a.png"][3] == "ok" and rows["notes.txt"][3].startswith("unreadable")
    assert result.returncode == EXIT_UNREADABLE, result.stderr[-2000:]
    assert not TF_LOG_LINE.search(result.stderr), result.stderr[:2000]


class _RunsCode:
    """Unpickling it writes a file: what a malicious model file could do instead."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "code ran"))


def test_a_failure_inside_a_command_is_one_line_and_exit_code_2(tmp_path, capsys):
    """Never 1 (which means 'some files unreadable') and no traceback unless --verbose."""
    assert main(["train", "--quick", "--n-images", "2", "-o", str(tmp_path / "o")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "skcxr train: error: ValueError" in err and "--verbose" in err
    assert "Traceback" not in err


def test_a_model_that_fails_on_readable_images_is_a_model_error(models, folder, tmp_path, capsys):
    """Not 'unreadable' for every file: the images decode, the model is what fails."""
    broken = skcxr.load_model(models["skops"]).set_params(loader__size=(16, 16))  # CNN wants 32
    path = skcxr.save_model(broken, tmp_path / "broken.skops")
    assert main(["predict", path, str(folder / "a.png"), str(folder / "notes.txt")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "the model failed on" in err and "a.png" in err
