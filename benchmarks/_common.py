"""What the benchmark scripts share: where the real X-rays are by default."""

import os
from pathlib import Path


def default_data_root():
    """``$SKCXR_DATA``, else ``shared/data`` beside the checkout (as the tests use)."""
    repo = Path(__file__).resolve().parents[1]
    return os.environ.get("SKCXR_DATA", str(repo.parent / "shared" / "data"))
