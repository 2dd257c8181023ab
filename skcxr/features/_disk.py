"""The opt-in on-disk feature cache of :class:`~skcxr.features.XRayEmbedder`.

One file per image and configuration::

    <cache_dir>/<configuration digest>/<image digest[:2]>/<image digest>.f32

The configuration digest covers the backbone, the sha256 of its weights, the
layers, poolings, mirror averaging and channel count; the image digest covers
the bytes, shape and dtype of the image the embedder receives, so the file it
was read from, the loader's size and every preprocessing step are in it too.

A file holds a magic line, the sha256 of its payload and the float32 feature
vector. It is written to a temporary file in the same folder and moved into
place with :func:`os.replace` (atomic on POSIX and Windows), so readers in
other processes or on Dask workers see a whole file or none; a file whose
checksum or length does not match (a writer killed mid-way on a file system
without atomic rename, a disk error) is ignored and recomputed.

The sha256 of a weights *file*'s arrays is known only after building the
backbone from it (TensorFlow's import and the network: ~5 s). It is noted
once per file under ``<cache_dir>/weights/`` (keyed by the file's own sha256),
so that a process whose every image is on disk never builds a network.
"""

import hashlib
import json
import os
import tempfile

import numpy as np

_MAGIC = b"SKCXR-FEATURES-1\n"
_HEADER = len(_MAGIC) + 32


def config_digest(parts):
    """A short stable digest of the configuration (a JSON-able tuple)."""
    text = json.dumps(["skcxr-features-v1", *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _path(folder, digest):
    return os.path.join(folder, digest[:2], digest + ".f32")


def read(folder, digests, width):
    """The vectors stored for ``digests`` (None where missing or untrusted)."""
    out = []
    for digest in digests:
        try:
            with open(_path(folder, digest), "rb") as f:
                data = f.read()
        except OSError:
            out.append(None)
            continue
        payload = data[_HEADER:]
        if (not data.startswith(_MAGIC) or len(payload) != 4 * width
                or hashlib.sha256(payload).digest() != data[len(_MAGIC):_HEADER]):
            out.append(None)  # torn or foreign file: recompute (and overwrite)
            continue
        out.append(np.frombuffer(payload, dtype="<f4").copy())
    return out


def _atomic_write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def weights_digest(cache_dir, backbone, file_sha256, compute):
    """The arrays digest of a weights file, from its note in ``cache_dir`` or ``compute()``.

    The note is keyed by the backbone and ``file_sha256``, the sha256 of the
    file's bytes (a changed file gets a new note), and holds the 64 hex digits
    of the arrays' digest; anything else in it is ignored and rewritten.
    """
    note = os.path.join(os.fspath(cache_dir), "weights", f"{backbone}-{file_sha256}.txt")
    try:
        with open(note, "rb") as f:
            text = f.read().decode("ascii", "replace").strip()
        if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
            return text
    except OSError:
        pass
    digest = compute()
    _atomic_write(note, digest.encode("ascii"))
    return digest


def write(folder, digests, features):
    """Store one vector per digest, each atomically (temporary file + os.replace)."""
    for digest, row in zip(digests, features):
        payload = np.ascontiguousarray(row, dtype="<f4").tobytes()
        _atomic_write(_path(folder, digest), _MAGIC + hashlib.sha256(payload).digest() + payload)
