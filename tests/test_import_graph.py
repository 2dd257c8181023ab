"""The floors of skcxr (DESIGN.md), checked by tools/import_graph.py on the source (no imports)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def import_graph():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "tools" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_skcxr_keeps_its_floors(import_graph, capsys):
    assert import_graph.main(ROOT / "skcxr") == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "0 violation(s)" in out
    edges = import_graph.scan(ROOT / "skcxr")[0]
    assert "classifier" not in edges["features"]
    assert set(edges["features"]) <= {"architectures", "utils"}
    assert not edges.get("utils")  # the lowest floor imports no other skcxr package


def _write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_violations_are_listed(import_graph, tmp_path, capsys):
    pkg = tmp_path / "skcxr"
    _write(pkg, {
        "__init__.py": "",
        "utils/__init__.py": "",
        "utils/_images.py": "def check_image_array(X):\n    return X\n",
        "classifier/__init__.py": "",
        "classifier/_runtime.py": "def seeded():\n    pass\n",
        "classifier/_inputs.py": "def check_image_array(X):\n    return X\nMAX_SEED = 2**31 - 1\n",
        "features/__init__.py": "",
        "features/_embedder.py": "def f():\n    from ..classifier._runtime import seeded\n",
        "metrics/__init__.py": "from ..model_selection import x\n",
        "metrics/_classification.py": "def _rates():\n    pass\n",
        "model_selection/__init__.py": "x = 1\n",
        "model_selection/_report.py": (
            "from sklearn.metrics import roc_auc_score\n"
            "from ..metrics._classification import _rates\n"
            "a = roc_auc_score([0, 1], [0, 1])\n"
        ),
    })
    assert import_graph.main(pkg) == 1
    out = capsys.readouterr().out
    assert "features imports classifier at skcxr/features/_embedder.py:2" in out
    assert "model_selection imports skcxr.metrics._classification._rates" in out
    assert "upward import: metrics (floor 1) imports model_selection (floor 4)" in out
    assert "cycle: metrics -> model_selection -> metrics" in out
    assert "check_image_array (the image-array validator) defined 2 times" in out
    assert "roc_auc_score called in skcxr/model_selection/_report.py" in out
