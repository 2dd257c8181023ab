"""Sphinx configuration of the skcxr documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html``. Nothing is
fetched from the network (no intersphinx). The examples are rendered by
sphinx-gallery: each ``examples/plot_*.py`` runs once as a script in quick
mode (``--quick``: synthetic X-rays, seconds), and the figures it saves in its
``--output-dir`` are shown on its page (see :func:`saved_figures`).
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document the checkout, installed or not
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("SKCXR_EXAMPLE_QUICK", "1")  # the gallery runs every example quickly

import skcxr  # noqa: E402

project = "skcxr"
author = "skcxr developers"
copyright = "skcxr developers, BSD-3-Clause"
version = release = skcxr.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "generated/examples/*.ipynb"]
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

# ------------------------------------------------------------ example gallery
EXAMPLES = ROOT / "examples"
#: Each example writes its files (figures, models, tables) into its own folder
#: here, never into the checkout.
GALLERY_OUTPUT = Path(tempfile.mkdtemp(prefix="skcxr_gallery_"))


def example_argv(gallery_conf, script_vars):
    """Command line of an example run by the gallery: quick, into a scratch folder."""
    return ["--quick", "--output-dir", str(GALLERY_OUTPUT / Path(script_vars["src_file"]).stem)]


def saved_figures(block, block_vars, gallery_conf):
    """Image scraper: the PNG files the example saved in its ``--output-dir``.

    The examples save their figures (and close them), so matplotlib's own
    scraper would find none; these files are the figures a user gets.
    """
    from sphinx_gallery.scrapers import figure_rst

    folder = GALLERY_OUTPUT / Path(block_vars["src_file"]).stem
    shown = block_vars.setdefault("skcxr_shown", set())
    names = []
    for png in sorted(folder.rglob("*.png")) if folder.is_dir() else []:
        if png in shown:
            continue
        shown.add(png)
        target = next(block_vars["image_path_iterator"])
        shutil.copyfile(png, target)
        names.append(target)
    return figure_rst(names, gallery_conf["src_dir"])


sphinx_gallery_conf = {
    "examples_dirs": str(EXAMPLES),
    "gallery_dirs": "generated/examples",
    "filename_pattern": r"/plot_",  # executed; others (predict.py) are shown, not run
    "reset_argv": example_argv,
    "image_scrapers": (saved_figures, "matplotlib"),
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "plot_gallery": "True",
    "within_subsection_order": "FileNameSortKey",
    "show_signature": False,
    "write_computation_times": False,  # no sg_execution_times.rst in the checkout
}


def skip_metadata_request_methods(app, what, name, obj, skip, options):
    """Leave out the ``set_*_request`` methods scikit-learn generates per estimator.

    They are metadata-routing plumbing, documented by scikit-learn, and their
    docstrings point into scikit-learn's own documentation.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def keep_example_labels(app, docname, source):
    """Give each gallery page the label ``example_<name>`` the user guide links to."""
    folder, _, name = docname.rpartition("/")
    if folder == sphinx_gallery_conf["gallery_dirs"] and name != "index":
        # beside sphinx-gallery's own label, right above the page title
        own = ".. _sphx_glr_" + docname.replace("/", "_") + ".py:"
        source[0] = source[0].replace(own, f".. _example_{name}:\n\n{own}", 1)


def setup(app):
    app.connect("autodoc-skip-member", skip_metadata_request_methods)
    app.connect("source-read", keep_example_labels)
