"""The weights resolver: None / "imagenet" / path, hashes, Keras' cache, downloads."""

import functools
import http.server
import shutil
import threading

import pytest

from skcxr.architectures import WEIGHTS_FILES, WeightsError, WeightsFile, resolve_weights
from skcxr.utils._files import file_hash

MOBILENET = WEIGHTS_FILES["mobilenet_v2"][0]
MOBILENET_SHA256 = "11eb4bd43f25b01e4d853687e224550b0ef6731f70c085f88f36dce7e4905631"


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No $SKCXR_WEIGHTS, an empty Keras cache, no real download URL."""
    monkeypatch.delenv("SKCXR_WEIGHTS", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    return tmp_path


def test_registered_hash_of_the_shared_mobilenet_file():
    assert MOBILENET.name == "mobilenet_v2_1.0_imagenet_notop.weights.h5"
    assert MOBILENET.hash == MOBILENET_SHA256
    assert set(WEIGHTS_FILES) == {"mobilenet_v2", "densenet121", "efficientnet_b0", "resnet50"}


def test_none_means_random_weights():
    assert resolve_weights("mobilenet_v2", None) is None


def test_imagenet_found_in_skcxr_weights(weights_root, monkeypatch, offline):
    monkeypatch.setenv("SKCXR_WEIGHTS", str(weights_root))
    path = resolve_weights("mobilenet_v2", "imagenet")
    assert path == weights_root / MOBILENET.name
    assert file_hash(path) == MOBILENET_SHA256


def test_imagenet_found_in_keras_cache(weights_root, offline):
    cache = offline / "keras_home" / "models"
    cache.mkdir(parents=True)
    (cache / MOBILENET.name).symlink_to(weights_root / MOBILENET.name)
    assert resolve_weights("mobilenet_v2", "imagenet") == cache / MOBILENET.name


def test_corrupt_registered_file_names_file_and_backbone(monkeypatch, offline):
    folder = offline / "weights"
    folder.mkdir()
    (folder / MOBILENET.name).write_bytes(b"not weights")
    monkeypatch.setenv("SKCXR_WEIGHTS", str(folder))
    with pytest.raises(WeightsError, match=r"corrupt.*mobilenet_v2") as info:
        resolve_weights("mobilenet_v2", "imagenet")
    assert str(folder / MOBILENET.name) in str(info.value)
    # passed as a path, a file with a registered name is checked too
    with pytest.raises(WeightsError, match="sha256"):
        resolve_weights("mobilenet_v2", folder / MOBILENET.name)


def test_missing_path_names_file_and_backbone(tmp_path):
    missing = tmp_path / "nope.weights.h5"
    with pytest.raises(WeightsError, match=r"nope\.weights\.h5.*'resnet50' does not exist"):
        resolve_weights("resnet50", missing)
    with pytest.raises(WeightsError, match="must be None, 'imagenet' or a path"):
        resolve_weights("resnet50", 3)
    with pytest.raises(WeightsError, match="no ImageNet weights are registered"):
        resolve_weights("five_block", "imagenet")


@pytest.fixture
def http_folder(tmp_path):
    """A local HTTP server on 127.0.0.1 serving tmp_path/served; yields its URL."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_download_into_keras_cache(weights_root, offline, http_folder, monkeypatch):
    served, url = http_folder
    shutil.copy(weights_root / MOBILENET.name, served / MOBILENET.name)
    entry = WeightsFile(MOBILENET.name, MOBILENET_SHA256, f"{url}/{MOBILENET.name}")
    monkeypatch.setitem(WEIGHTS_FILES, "mobilenet_v2", (entry,))
    path = resolve_weights("mobilenet_v2", "imagenet")
    assert path == offline / "keras_home" / "models" / MOBILENET.name
    assert file_hash(path) == MOBILENET_SHA256
    (served / MOBILENET.name).unlink()  # second call: from the cache, no download
    assert resolve_weights("mobilenet_v2", "imagenet") == path


def test_failed_download_says_where_to_put_the_file(offline, http_folder, monkeypatch):
    _, url = http_folder
    entry = WeightsFile("absent.h5", None, f"{url}/absent.h5")  # 404
    monkeypatch.setitem(WEIGHTS_FILES, "mobilenet_v2", (entry,))
    with pytest.raises(WeightsError) as info:
        resolve_weights("mobilenet_v2", "imagenet")
    message = str(info.value)
    assert "not found and not downloadable" in message and f"{url}/absent.h5" in message
    assert "put absent.h5 in" in message and "SKCXR_WEIGHTS" in message
    assert str(offline / "keras_home" / "models") in message


def test_downloaded_file_with_wrong_hash_is_refused(offline, http_folder, monkeypatch):
    served, url = http_folder
    (served / "w.h5").write_bytes(b"tampered")
    entry = WeightsFile("w.h5", "0" * 64, f"{url}/w.h5")
    monkeypatch.setitem(WEIGHTS_FILES, "mobilenet_v2", (entry,))
    with pytest.raises(WeightsError, match="w.h5"):
        resolve_weights("mobilenet_v2", "imagenet")
