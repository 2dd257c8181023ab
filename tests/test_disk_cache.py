"""XRayEmbedder(cache_dir=...): features kept on disk, shared between processes, keyed by
image and configuration, written atomically, checksummed."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from skcxr.features import XRayEmbedder, clear_feature_cache, embedding_stats
from skcxr.features import _disk

LAYER = "block_3_expand_relu"


def _emb(folder, **params):
    return XRayEmbedder(**{"weights": None, "layer": LAYER, "cache_dir": folder,
                           "verbose": 0, **params})


def _images(n=5, seed=0):
    return np.random.RandomState(seed).rand(n, 32, 32, 1).astype("float32")


def _files(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_second_run_reads_every_feature_from_disk(tmp_path):
    X = _images()
    clear_feature_cache(models=False)
    F = _emb(tmp_path).transform(X)
    assert embedding_stats()["embedded"] == 5 and len(_files(tmp_path)) == 5
    clear_feature_cache(models=False)  # as a new process: nothing in memory
    again = _emb(tmp_path).transform(X[[3, 0]])
    stats = embedding_stats()
    assert stats["embedded"] == 0 and stats["disk_hits"] == 2
    np.testing.assert_array_equal(again, F[[3, 0]])
    _emb(tmp_path).transform(X[[3, 0]])  # now in memory too
    assert embedding_stats()["cache_hits"] == 2 and embedding_stats()["disk_hits"] == 2
    # another configuration or other images: other entries, computed
    _emb(tmp_path, flip=True).transform(X[:2])
    _emb(tmp_path).transform(_images(n=1, seed=7))
    assert embedding_stats()["embedded"] == 3 and len(_files(tmp_path)) == 8
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 2  # one folder per config


@pytest.mark.parametrize("damage", ["truncate", "flip_byte", "foreign"])
def test_damaged_entries_are_not_trusted_and_are_recomputed(tmp_path, damage):
    X = _images(n=2)
    clear_feature_cache(models=False)
    F = _emb(tmp_path).transform(X)
    target = _files(tmp_path)[0]
    data = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "flip_byte":
        target.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    else:
        target.write_bytes(np.zeros(144, "<f4").tobytes())
    clear_feature_cache(models=False)
    np.testing.assert_array_equal(_emb(tmp_path).transform(X), F)
    assert embedding_stats()["embedded"] == 1 and embedding_stats()["disk_hits"] == 1
    assert target.read_bytes() == data  # rewritten whole


KILLED_WRITER = textwrap.dedent("""
    import os, sys
    import numpy as np
    from skcxr.features import _disk

    def killed(src, dst):
        os._exit(9)  # the writer dies after writing its temporary file, before the rename

    os.replace = killed
    _disk.write(sys.argv[1], ["ab" * 16], [np.ones(144, "float32")])
""")


def test_a_writer_killed_mid_write_leaves_no_entry(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(tmp_path)], env=env,
                          timeout=120)
    assert done.returncode == 9
    leftovers = _files(tmp_path)
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".tmp-")
    assert _disk.read(str(tmp_path), ["ab" * 16], 144) == [None]
    # a whole entry written after it is read back
    _disk.write(str(tmp_path), ["ab" * 16], [np.ones(144, "float32")])
    np.testing.assert_array_equal(_disk.read(str(tmp_path), ["ab" * 16], 144)[0], np.ones(144))


def test_configuration_digest_changes_with_each_part():
    base = ["mobilenet_v2", "w" * 64, ("out_relu",), (("avg",),), 1, False]
    digests = {_disk.config_digest(base)}
    for i, other in enumerate(["resnet50", "v" * 64, ("block_13",), (("max",),), 3, True]):
        digests.add(_disk.config_digest(base[:i] + [other] + base[i + 1:]))
    assert len(digests) == 7


SECOND_PROCESS = textwrap.dedent("""
    import sys
    import numpy as np
    from skcxr.features import XRayEmbedder, embedding_stats
    X = np.random.RandomState(0).rand(4, 32, 32, 1).astype("float32")
    emb = XRayEmbedder(weights=sys.argv[2], layer="block_3_expand_relu", cache_dir=sys.argv[1],
                       verbose=0)
    F = emb.fit(X).transform(X)
    np.save(sys.argv[3], F)
    print("embedded", embedding_stats()["embedded"], "tensorflow", "tensorflow" in sys.modules)
""")


def test_a_process_with_every_image_on_disk_builds_no_network(tmp_path):
    from skcxr.architectures import build_backbone

    weights = tmp_path / "mobilenet.weights.h5"
    build_backbone("mobilenet_v2", (None, None, 3), weights=None).save_weights(weights)
    cache = tmp_path / "cache"
    X = np.random.RandomState(0).rand(4, 32, 32, 1).astype("float32")
    expected = XRayEmbedder(weights=str(weights), layer=LAYER, cache_dir=cache,
                            verbose=0).fit(X).transform(X)
    [note] = (cache / "weights").iterdir()  # the file's arrays digest, noted once
    assert len(note.read_text()) == 64
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def second(out):
        done = subprocess.run([sys.executable, "-c", SECOND_PROCESS, str(cache), str(weights),
                               str(out)], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        np.testing.assert_array_equal(np.load(out), expected)
        return done.stdout

    # TensorFlow is not even imported: the ~5 s of building MobileNetV2 are saved
    assert "embedded 0 tensorflow False" in second(tmp_path / "a.npy")
    note.write_text("half a digest")  # a damaged note is recomputed (network built), rewritten
    assert "embedded 0 tensorflow True" in second(tmp_path / "b.npy")
    assert len(note.read_text()) == 64
