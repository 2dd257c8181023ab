"""Each folder listed and each CSV read once per table; each weights file hashed once."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def test_multisource_dataset_lists_kermany_and_reads_covid_metadata_once(data_root, monkeypatch):
    from skcxr.datasets import make_multisource_dataset

    reads, listings = [], []
    read_csv, iterdir = pd.read_csv, Path.iterdir

    def counting_read_csv(path, *args, **kwargs):
        if kwargs.get("nrows") != 0:  # header peeks of load_negative_pools are not reads
            reads.append(str(path))
        return read_csv(path, *args, **kwargs)

    def counting_iterdir(self):
        listings.append(str(self))
        return iterdir(self)

    monkeypatch.setattr(pd, "read_csv", counting_read_csv)
    monkeypatch.setattr(Path, "iterdir", counting_iterdir)
    table = make_multisource_dataset(data_root, deduplicate=False, split_covid_by="region",
                                     on_missing="raise")
    covid_meta = str(data_root / "covid-chestxray" / "metadata.csv")
    assert reads.count(covid_meta) == 1, reads
    assert len(reads) == len(set(reads)), reads  # every CSV once
    kermany = [p for p in listings if "chest-xray-pneumonia" in p]
    assert kermany and len(kermany) == len(set(kermany)), kermany  # every folder once
    assert table["source"].str.startswith("covid-chestxray@").any()


def test_split_covid_collection_alone_still_reads_the_metadata(data_root):
    from skcxr.datasets import make_covid_dataset, split_covid_collection

    table = make_covid_dataset(data_root / "covid-chestxray", balance=False, deduplicate=False)
    split = split_covid_collection(table, data_root / "covid-chestxray", by="country")
    assert len(split) == len(table)
    assert split["source"].str.startswith("covid-chestxray@").all()


@pytest.mark.slow
def test_weights_hashed_once_per_file(weights_root, monkeypatch):
    """One hash per weights file and process, however many models load it."""
    pytest.importorskip("keras")
    from skcxr.architectures import build_backbone
    from skcxr.features import XRayEmbedder, clear_feature_cache

    monkeypatch.setenv("SKCXR_WEIGHTS", str(weights_root))
    from skcxr.utils import _files

    monkeypatch.setattr(_files, "_VERIFIED", {})
    hashes = []
    file_hash = _files.file_hash

    def counting_hash(path, algorithm="sha256"):
        hashes.append(Path(path).name)
        return file_hash(path, algorithm)

    monkeypatch.setattr(_files, "file_hash", counting_hash)
    X = np.random.RandomState(0).rand(2, 32, 32, 1).astype("float32")
    clear_feature_cache()
    for layer in ("block_1_expand_relu", "block_2_expand_relu"):  # two models
        XRayEmbedder(layer=layer, cache=False).fit(X).transform(X)
    build_backbone("mobilenet_v2", (32, 32, 3), weights="imagenet")
    clear_feature_cache()
    assert hashes == ["mobilenet_v2_1.0_imagenet_notop.weights.h5"]
