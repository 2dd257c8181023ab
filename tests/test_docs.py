"""The Sphinx documentation builds with warnings as errors, and is complete.

The build runs in a subprocess (``python -m sphinx -W``) into a temporary
folder; autodoc imports skcxr (and TensorFlow) there, and sphinx-gallery runs
every ``examples/plot_*.py`` in quick mode. Sphinx, numpydoc and sphinx-gallery
are in the ``test`` extra: missing, the tests skip, except under ``CI`` where
they fail.
"""

import ast
import importlib
import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _requirements import skip_or_fail

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"

USER_GUIDE = ["getting_started", "data", "dicom", "pipeline", "tuning", "metrics", "pitfalls",
              "explain", "examples", "api", "scaling", "cli"]


def _require_sphinx():
    missing = [name for name in ("sphinx", "numpydoc", "sphinx_gallery")
               if importlib.util.find_spec(name) is None]
    if missing:
        message = f"building the docs needs {missing} (pip install -e '.[test]')"
        skip_or_fail(message)


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory):
    """Build the HTML docs once; return (html folder, seconds, sphinx output)."""
    _require_sphinx()
    out = tmp_path_factory.mktemp("docs_build")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
               "-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO,
                            timeout=600)
    seconds = time.perf_counter() - start
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"sphinx -W failed:\n{output[-6000:]}"
    return out / "html", seconds, output


def test_docs_build_without_warnings_in_reasonable_time(built_docs):
    html, seconds, output = built_docs
    assert "build succeeded" in output
    sphinx_warnings = [line for line in output.splitlines()
                       if "WARNING:" in line and "absl::InitializeLog" not in line]
    assert sphinx_warnings == []
    assert (html / "index.html").is_file()
    assert seconds < 180, f"docs took {seconds:.0f} s to build"


def test_user_guide_pages_are_built_and_linked_from_the_index(built_docs):
    html, _, _ = built_docs
    index = (html / "index.html").read_text(encoding="utf-8")
    for page in USER_GUIDE:
        assert (html / f"{page}.html").is_file(), page
        assert f'href="{page}.html"' in index, f"{page} is not in the index's toctree"


def test_every_public_name_is_in_the_api_reference():
    _require_sphinx()
    import skcxr

    api = (DOCS / "api.rst").read_text(encoding="utf-8")
    subpackages = sorted(name for name in skcxr._SUBPACKAGES if name != "pipeline")
    for sub in subpackages:
        assert f".. automodule:: skcxr.{sub}" in api, sub


def test_every_public_name_has_an_entry_in_the_built_api_page(built_docs):
    html, _, _ = built_docs
    import skcxr

    ids = set(re.findall(r'id="(skcxr[^"]*)"', (html / "api.html").read_text(encoding="utf-8")))
    missing = []
    for sub in sorted(skcxr._SUBPACKAGES - {"pipeline"}):
        module = importlib.import_module(f"skcxr.{sub}")
        for name in module.__all__:
            # re-exported at the top level: documented once, as skcxr.<name>
            if f"skcxr.{sub}.{name}" not in ids and f"skcxr.{name}" not in ids:
                missing.append(f"skcxr.{sub}.{name}")
    for name in skcxr.__all__:
        if name != "__version__" and f"skcxr.{name}" not in ids:
            missing.append(f"skcxr.{name}")
    assert missing == []


def test_every_example_has_a_gallery_page_with_its_code_and_figures(built_docs):
    """sphinx-gallery ran each plot_*.py (quick mode) and shows the figures it saved."""
    html, _, _ = built_docs
    examples = sorted((REPO / "examples").glob("*.py"))
    assert len(examples) >= 5
    listing = (html / "examples.html").read_text(encoding="utf-8")
    assert 'href="generated/examples/index.html"' in listing
    gallery = (html / "generated" / "examples" / "index.html").read_text(encoding="utf-8")
    for script in examples:
        page = html / "generated" / "examples" / f"{script.stem}.html"
        assert page.is_file(), script.name
        source = page.read_text(encoding="utf-8")
        text = re.sub(r"<[^>]+>", "", source)  # highlighted code
        assert "def main(" in text  # the code is included
        if script.name.startswith("plot_"):  # predict.py is a thin front of `skcxr predict`
            assert "parse_args" in text
        assert f'href="{script.stem}.html' in gallery
        if script.name.startswith("plot_"):
            figures = re.findall(r'<img [^>]*src="([^"]*sphx_glr_' + script.stem + r'[^"]*\.png)"',
                                 source)
            assert figures, f"{script.name}: no figure on its gallery page"
            for figure in figures:
                assert (page.parent / figure).resolve().is_file(), figure


def test_pitfalls_page_covers_the_shortcuts_and_the_benchmark_placeholder(built_docs):
    html, _, _ = built_docs
    text = re.sub(r"<[^>]+>", " ", (html / "pitfalls.html").read_text(encoding="utf-8"))
    text = " ".join(text.split())
    for phrase in ("not a diagnostic device", "Benchmark results", "benchmarks/README.md",
                   "Split by patient", "Duplicate images", "Internal vs external",
                   "Pediatric normals vs adult COVID-19"):
        assert phrase in text, phrase


# ------------------------------------------- numpydoc validation (issue 11, item 15)
def _validation_checks():
    """``numpydoc_validation_checks`` as docs/conf.py sets it (read, not executed)."""
    for node in ast.parse((DOCS / "conf.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) == "numpydoc_validation_checks" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("docs/conf.py does not set numpydoc_validation_checks")


_TINY_MODULE = '''
from sklearn.utils._param_validation import validate_params


@validate_params({"a": [int], "b": [int]}, prefer_skip_nested_validation=True)
def add(a, b):
    """Add two numbers.

    Parameters
    ----------
    a : int
        The first.
    {b_doc}
    Returns
    -------
    total : int
        Their sum.
    """
    return a + b
'''


def _build_tiny_docs(folder, checks, b_doc):
    folder.mkdir()
    (folder / "tinydoc.py").write_text(_TINY_MODULE.replace("{b_doc}", b_doc), encoding="utf-8")
    (folder / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(folder)!r})\n"
        "extensions = ['sphinx.ext.autodoc', 'numpydoc']\n"
        "numpydoc_show_class_members = False\n"
        f"numpydoc_validation_checks = set({sorted(checks)!r})\n",
        encoding="utf-8",
    )
    (folder / "index.rst").write_text("Tiny\n====\n\n.. autofunction:: tinydoc.add\n",
                                      encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-b", "html", "-q", str(folder),
         str(folder / "_build")], capture_output=True, text=True, timeout=300)


def test_numpydoc_validation_of_parameters_and_returns_is_on():
    checks = _validation_checks()
    # every parameter documented, none unknown, a Returns section where a value is returned
    assert {"PR01", "PR02", "RT01"} <= checks
    assert all(code.startswith(("PR", "RT")) for code in checks)


def test_an_undocumented_parameter_fails_a_build_with_the_docs_settings(tmp_path):
    _require_sphinx()
    checks = _validation_checks()
    documented = _build_tiny_docs(tmp_path / "ok", checks, "b : int\n        The second.\n")
    assert documented.returncode == 0, documented.stdout + documented.stderr
    undocumented = _build_tiny_docs(tmp_path / "bad", checks, "")
    output = undocumented.stdout + undocumented.stderr
    assert undocumented.returncode != 0
    assert "PR01" in output and "'b'" in output and "tinydoc.add" in output


def test_api_page_documents_fit_and_the_data_names_with_their_own_text(built_docs):
    html, _, _ = built_docs
    page = (html / "api.html").read_text(encoding="utf-8")
    for method in ("fit", "partial_fit", "predict_proba"):
        assert f'id="skcxr.CXRClassifier.{method}"' in page, method
    # each constant's own text right after its signature, not str's docstring
    for name, text in [("KERMANY_PNEUMONIA", "Pool name of the Kermany PNEUMONIA images"),
                       ("MULTISOURCE_NEGATIVES", "The non-COVID pools of")]:
        entry = page.split(f'id="skcxr.datasets.{name}"', 1)[1].split("</dd>", 1)[0]
        assert text in entry, name
        assert "str(object=" not in entry and "Create a new string" not in entry, name
