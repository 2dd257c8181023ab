"""
Classify chest X-ray files with a saved model
=============================================

The ``skcxr predict`` command as a script (the same code, :mod:`skcxr._cli`):
it loads a model saved with :func:`skcxr.save_model` (a ``.skops`` file, as
``skcxr train`` writes) and prints one line per image file, folders searched
recursively in sorted order: the path, the probability of ``covid``, the
label the model predicts (with the threshold it carries) and the verdict of
the applicability gate when the model carries one (``unchecked`` otherwise)::

    images/a.png	P(covid)=0.9731	covid	ok
    images/dental.dcm	P(covid)=0.9970	covid	not a chest X-ray: ...
    images/notes.txt	-	-	unreadable: ...

A file that cannot be read gets its line and the others are still
classified; a summary line ends the run on stderr. Exit codes: 0 all
predicted, 1 some files unreadable, 2 usage or model error, 3 with
``--strict`` when an image fails the gate. Pickle / joblib model files are
refused unless ``--trust-pickle``: unpickling runs any code the file holds.

Usage::

    skcxr train -o skcxr_output          # writes skcxr_output/model.skops
    python examples/predict.py IMAGE_OR_FOLDER [...] [--model skcxr_output/model.skops] \\
        [--csv predictions.csv] [--strict]

A research tool, not a diagnostic device: the probability says what a model
trained on a few hundred public images makes of the file, nothing more.
"""

import argparse
import os
import sys

QUICK_ENV = "SKCXR_EXAMPLE_QUICK"  # no effect here: predicting is already quick


def main(argv=None):
    """Run ``skcxr predict --model MODEL ARGS...``; return its exit code."""
    from skcxr._cli import main as skcxr

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--model", default=os.path.join("skcxr_output", "model.skops"))
    known, rest = parser.parse_known_args(argv)
    return skcxr(["predict", known.model, *rest])


if __name__ == "__main__":
    sys.exit(main())
