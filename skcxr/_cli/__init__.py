"""The ``skcxr`` command line (``skcxr predict`` / ``train`` / ``evaluate``); see docs/cli.rst."""

from ._main import EXIT_GATE, EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, main

__all__ = ["main", "EXIT_OK", "EXIT_UNREADABLE", "EXIT_USAGE", "EXIT_GATE"]
