"""ChunkedTransformer: the image steps on chunks of paths give the in-memory features,
in order, sequentially, in threads and on a 2-worker Dask cluster."""

import importlib.util

import joblib
import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skcxr import XRayLoader
from skcxr.features import ChunkedTransformer, XRayEmbedder, clear_feature_cache, embedding_stats
from skcxr.features._chunked import _transform_chunk
from skcxr.preprocessing import XRayNormalizer


def _steps():
    return Pipeline([
        ("loader", XRayLoader(size=(32, 32), dtype="uint8", n_jobs=1)),
        ("normalizer", XRayNormalizer(method="clahe")),
        ("embedder", XRayEmbedder(weights=None, layer="block_3_expand_relu", verbose=0)),
    ])


@pytest.fixture
def paths(synthetic_table):
    return list(synthetic_table["path"].iloc[:21])


def test_chunks_give_the_in_memory_features_in_order(paths, synthetic_table):
    expected = _steps().fit_transform(paths)
    clear_feature_cache(models=False)
    chunked = ChunkedTransformer(_steps(), chunk_size=4, verbose=0).fit(paths)
    F = chunked.transform(paths)
    assert F.shape == expected.shape == (21, 144) and F.dtype == np.float32
    np.testing.assert_allclose(F, expected, rtol=0, atol=1e-6)
    assert embedding_stats()["embedded"] == 21  # the per-image cache still works per chunk
    np.testing.assert_array_equal(chunked.transform(paths[::-1]), F[::-1])
    assert embedding_stats()["embedded"] == 21
    table = synthetic_table.iloc[:21]  # a DataFrame with a path column is chunked by rows
    np.testing.assert_array_equal(chunked.transform(table), F)
    np.testing.assert_array_equal(chunked.get_feature_names_out()[:1], ["block_3_expand_relu_avg0"])
    threads = ChunkedTransformer(_steps(), chunk_size=5, n_jobs=2, verbose=0)
    with joblib.parallel_config(backend="threading"):
        np.testing.assert_array_equal(threads.fit_transform(paths), F)


def test_memory_follows_the_chunk(paths, monkeypatch):
    seen = []

    def spy(transformer, X):
        seen.append(len(X))
        return _transform_chunk(transformer, X)

    monkeypatch.setattr("skcxr.features._chunked._transform_chunk", spy)
    ChunkedTransformer(_steps(), chunk_size=8, verbose=0).fit(paths).transform(paths)
    assert seen == [8, 8, 5]


def test_progress_and_bad_parameters(paths, capsys):
    ChunkedTransformer(_steps(), chunk_size=4).fit(paths).transform(paths)
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("[ChunkedTransformer] 4/21 rows") and len(lines) == 6
    with pytest.raises(InvalidParameterError, match="chunk_size"):
        ChunkedTransformer(_steps(), chunk_size=0).fit(paths)
    with pytest.raises(ValueError, match="0 rows"):
        ChunkedTransformer(_steps()).fit([])


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason="needs dask")
def test_dask_cluster_gets_chunks_of_paths_and_sends_back_features(paths):
    from distributed import Client, LocalCluster

    expected = _steps().fit_transform(paths)
    chunked = ChunkedTransformer(_steps(), chunk_size=6, verbose=0).fit(paths)
    from distributed import get_task_stream

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, memory_limit=0, silence_logs=40) as cluster, \
            Client(cluster) as client:
        with get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
            F = chunked.transform(paths)
        # each task's result is a feature block (<= 6, 144) float32, never images
        sizes = [rec["nbytes"] for rec in stream.data]
        assert len(sizes) == 4 and max(sizes) <= 6 * 144 * 4 + 1024, sizes
        workers = client.run(lambda: __import__("skcxr.features", fromlist=["x"])
                             .embedding_stats()["embedded"])
    np.testing.assert_allclose(F, expected, rtol=0, atol=1e-6)
    assert sum(workers.values()) == len(paths) and len(workers) == 2
