"""The ``skcxr`` command: argument parsing, quiet TensorFlow start-up, exit codes."""

import argparse
import sys
import textwrap
import traceback

from .. import __version__

#: Exit codes of ``skcxr`` (documented in ``skcxr --help`` and docs/cli.rst).
EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, EXIT_GATE = 0, 1, 2, 3

EPILOG = """\
exit codes:
  0  every file was predicted (train / evaluate: done)
  1  some files could not be read (each has its own line; the others were predicted)
  2  usage, model or other error (bad arguments, a model file that cannot be used, an
     output folder that exists without --overwrite, a failure while training)
  3  with --strict: some image failed the applicability gate (takes precedence over 1)

A research tool, not a diagnostic device. Model files are skops files (skcxr.save_model);
pickle / joblib files are refused unless --trust-pickle: unpickling runs any code the
file contains.
"""


class CLIError(Exception):
    """A message for the user and the exit code that goes with it (no traceback)."""

    def __init__(self, message, code=EXIT_USAGE):
        super().__init__(message)
        self.code = code


def _add_model_trust(parser):
    parser.add_argument("--trust", action="append", default=[], metavar="TYPE",
                        help="trust this type in a skops model file as well as skcxr's own "
                             "(repeatable; only for files whose origin you trust)")
    parser.add_argument("--trust-pickle", action="store_true",
                        help="load a pickle / joblib model file; unpickling runs any code the "
                             "file contains, so only for files you made or fully trust")


def build_parser():
    from ._predict import add_predict_parser
    from ._train import add_evaluate_parser, add_train_parser

    parser = argparse.ArgumentParser(
        prog="skcxr", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Chest X-ray classification (covid / non-covid): train, evaluate, predict")
    parser.add_argument("--version", action="version", version=f"skcxr {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show TensorFlow's start-up log lines (hidden by default; "
                             "TF_CPP_MIN_LOG_LEVEL=0 shows them too)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for add in (add_predict_parser, add_train_parser, add_evaluate_parser):
        sub = add(commands)
        sub.formatter_class = argparse.RawDescriptionHelpFormatter
        sub.description = textwrap.fill(sub.description, 79)
        sub.epilog = EPILOG
        sub.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                         help="show TensorFlow's start-up log lines")
        if sub.get_default("needs_model"):
            _add_model_trust(sub)
    return parser


def main(argv=None):
    """Run ``skcxr`` with ``argv`` (default: the command line); return the exit code.

    Examples
    --------
    >>> from skcxr._cli import main
    >>> main(["predict", "model.skops", "images/", "--csv", "out.csv"])  # doctest: +SKIP
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return args.run(args)
    except CLIError as exc:
        print(f"skcxr {args.command}: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"skcxr {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # not one of ours: exit 2, never 1 (which means unreadable files)
        if args.verbose:
            traceback.print_exc()
        print(f"skcxr {args.command}: error: {type(exc).__name__}: {exc}"
              + ("" if args.verbose else " (skcxr --verbose ... shows the traceback)"),
              file=sys.stderr)
        return EXIT_USAGE


def console_main():
    """The ``skcxr`` console script."""
    sys.exit(main())
