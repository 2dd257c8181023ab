"""``python -m skcxr``: the ``skcxr`` command."""

from skcxr._cli._main import console_main

if __name__ == "__main__":
    console_main()
