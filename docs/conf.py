"""Sphinx configuration of the skcxr documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html``. Nothing is
fetched from the network (no intersphinx) and no example is executed: the
example pages are generated from the docstrings of ``examples/*.py`` with the
code included below them (see :func:`write_example_pages`).
"""

import ast
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document the checkout, installed or not
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import skcxr  # noqa: E402

project = "skcxr"
author = "skcxr developers"
copyright = "skcxr developers, BSD-3-Clause"
version = release = skcxr.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]

exclude_patterns = ["_build"]
templates_path = []
html_theme = "alabaster"
html_static_path = []
html_theme_options = {"description": "chest X-ray classification with the scikit-learn API"}

# autodoc / numpydoc: the public names come from each subpackage's __all__.
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
autosummary_generate = False  # no stub files: api.rst documents every name itself
numpydoc_show_class_members = False  # methods are documented by autodoc, once
numpydoc_class_members_toctree = False
# numpydoc checks every documented object: each parameter documented (PR01), no
# unknown (PR02) or misordered (PR03) one, each with a type (PR04) in the usual form
# (PR06) and a description (PR07), "name : type" spacing (PR10); a Returns section
# for whatever returns a value (RT01), with a description (RT03). -W makes each a failure.
numpydoc_validation_checks = {
    "PR01", "PR02", "PR03", "PR04", "PR06", "PR07", "PR10", "RT01", "RT03",
}

# ------------------------------------------------------------ example pages
EXAMPLES = ROOT / "examples"
GENERATED = DOCS / "generated" / "examples"


def example_page(script):
    """rst of one example: its docstring (title and text), then its code."""
    docstring = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8")), clean=True)
    if not docstring:
        raise ValueError(f"{script} has no module docstring: every example starts with one")
    rel = os.path.relpath(script, GENERATED).replace(os.sep, "/")
    return (
        f".. _example_{script.stem}:\n\n{docstring}\n\n"
        f"Run it::\n\n    python examples/{script.name} --help\n\n"
        f"The code (``examples/{script.name}``), not executed when the docs are built:\n\n"
        f".. literalinclude:: {rel}\n   :language: python\n   :lines: {_code_start(script)}-\n"
    )


def _code_start(script):
    """First line after the module docstring."""
    module = ast.parse(script.read_text(encoding="utf-8"))
    return module.body[0].end_lineno + 1


def write_example_pages(app=None):
    """Write one page per ``examples/*.py`` into ``docs/generated/examples``.

    A file is rewritten only when its text changes, so an unchanged example
    does not make Sphinx re-read the page.
    """
    GENERATED.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for script in sorted(EXAMPLES.glob("*.py")):
        target = GENERATED / f"{script.stem}.rst"
        wanted.add(target.name)
        text = example_page(script)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    for stale in GENERATED.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()


def skip_metadata_request_methods(app, what, name, obj, skip, options):
    """Leave out the ``set_*_request`` methods scikit-learn generates per estimator.

    They are metadata-routing plumbing, documented by scikit-learn, and their
    docstrings point into scikit-learn's own documentation.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("builder-inited", write_example_pages)
    app.connect("autodoc-skip-member", skip_metadata_request_methods)
