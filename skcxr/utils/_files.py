"""Hashes of files, each computed once per process for each version of a file."""

import hashlib
import os
from pathlib import Path

__all__ = ["file_hash", "hashed_file"]


def file_hash(path, algorithm="sha256"):
    """Hex digest of a file (``"sha256"`` or ``"md5"``), read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# (path, size, mtime, algorithm) -> digest: a file is hashed once per process
_VERIFIED = {}


def hashed_file(path, algorithm="sha256"):
    """:func:`file_hash`, computed once per process for each version of the file."""
    stat = os.stat(path)
    memo = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, algorithm)
    actual = _VERIFIED.get(memo) or file_hash(path, algorithm)
    _VERIFIED[memo] = actual
    return actual
