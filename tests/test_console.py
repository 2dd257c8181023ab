"""Shared script helpers: progress lines, a quiet TensorFlow start, output folders."""

import io
import os
import sys

import pytest

from skcxr.utils._console import TF_LOG_ENV, output_folder, quiet_tensorflow
from skcxr.utils._progress import ProgressLine, format_epoch_line


# ------------------------------------------------------------- progress lines
def test_progress_line_reports_long_loops_and_stays_quiet_on_short_ones():
    out = io.StringIO()
    progress = ProgressLine(4, "XRayLoader", delay=0.0, interval=0.0, stream=out)
    for _ in range(4):
        progress.update()
    progress.close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[XRayLoader] 1/4 images (25%), ") and "s left" in lines[0]
    assert lines[-1].startswith("[XRayLoader] 4/4 images (100%), ")
    assert "left" not in lines[-1]
    # a short loop (under delay, under min_total) prints nothing; verbose=0 never
    for kwargs in ({}, {"verbose": 0, "delay": 0.0, "min_total": 0}):
        quiet = io.StringIO()
        progress = ProgressLine(4, "XRayLoader", stream=quiet, **kwargs)
        progress.update(4)
        progress.close()
        assert quiet.getvalue() == ""
    # a long loop reports from its first item; an unknown total has no share
    out = io.StringIO()
    progress = ProgressLine(None, "XRayEmbedder", unit="batches", verbose=2, stream=out)
    progress.update(3)
    assert out.getvalue().startswith("[XRayEmbedder] 3 batches, ")
    out = io.StringIO()
    ProgressLine(5000, "XRayLoader", stream=out).update()
    assert out.getvalue().startswith("[XRayLoader] 1/5000 images (0%)")


def test_epoch_line_puts_loss_first_and_skips_what_is_not_a_number():
    line = format_epoch_line("CXRClassifier", 2, None, {
        "accuracy": 0.75, "val_accuracy": 0.5, "val_loss": 0.9, "loss": 0.5,
        "learning_rate": 0.001, "note": "x"}, 1.26)
    assert line == ("[CXRClassifier] epoch 2: loss 0.500, accuracy 0.750, val_loss 0.900, "
                    "val_accuracy 0.500 (1.3 s)")


# ------------------------------------------------------------ quiet TensorFlow
def test_quiet_tensorflow_leaves_a_user_choice_alone(monkeypatch):
    monkeypatch.setenv(TF_LOG_ENV, "0")  # the documented way to see the C++ lines
    assert quiet_tensorflow() is False
    assert os.environ[TF_LOG_ENV] == "0"


def test_quiet_tensorflow_does_nothing_once_tensorflow_is_loaded(monkeypatch):
    monkeypatch.delenv(TF_LOG_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "tensorflow", sys.modules.get("tensorflow", object()))
    assert quiet_tensorflow() is False
    assert TF_LOG_ENV not in os.environ


# --------------------------------------------------------------- output folders
def test_output_folder_never_overwrites_silently(tmp_path):
    default = tmp_path / "skcxr_output"
    said = io.StringIO()
    first = output_folder(default, default=default, stream=said)
    assert first == default and first.is_dir() and said.getvalue() == ""
    (first / "model.joblib").write_text("earlier run")
    # the default folder, busy: a new timestamped sibling, said on stdout
    second = output_folder(default, default=default, stream=said)
    assert second.parent == tmp_path and second.name.startswith("skcxr_output-")
    assert f"writing to {second}/ instead" in said.getvalue()
    assert (first / "model.joblib").read_text() == "earlier run"
    # a folder the user named, busy: an error naming --overwrite
    with pytest.raises(FileExistsError, match=r"already holds files.*--overwrite"):
        output_folder(default, default=tmp_path / "other")
    said = io.StringIO()
    assert output_folder(default, overwrite=True, stream=said) == default
    assert "overwriting" in said.getvalue()
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(FileExistsError, match="is a file"):
        output_folder(tmp_path / "a_file")


def test_quiet_tensorflow_verbose_shows_every_line_unless_the_user_chose(monkeypatch):
    # the one quiet start of the examples and of `skcxr ... --verbose`
    monkeypatch.delenv(TF_LOG_ENV, raising=False)
    assert quiet_tensorflow(verbose=True) is False
    assert os.environ[TF_LOG_ENV] == "0"
    monkeypatch.setenv(TF_LOG_ENV, "2")
    assert quiet_tensorflow(verbose=True) is False and os.environ[TF_LOG_ENV] == "2"
