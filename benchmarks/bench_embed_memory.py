"""Benchmark: peak memory of embedding X-rays from paths, chunked, at two dataset sizes.

Writes ``max(--n)`` distinct synthetic 320 px grey PNGs (a smooth random field
each, seeded by its index) into ``--dir``, then, each in a fresh child process
(so that the peak resident memory, ``ru_maxrss``, is the run's own):

* ``stream``: ``ChunkedTransformer(loader -> normaliser (``--normalizer``,
  default CLAHE) -> embedder,
  chunk_size=--chunk)`` over the first ``n`` paths, for each ``n`` of ``--n``;
* ``memory``: the same steps as one pipeline (every image in memory at once)
  on the first ``--subset`` paths, whose features are compared with those of
  the stream run on the same paths.

Prints, per run: images, peak RSS, the RSS before the first chunk (TensorFlow
and the model loaded), seconds and images/s; then the ratio of the peaks of
the largest and smallest ``n`` (flat: ~1.0x; linear: their size ratio) and
the largest |difference| of the stream and in-memory features.

``--dask N`` adds a ``dask`` run: the stream run over the first ``N`` paths on
a 2-worker ``distributed.LocalCluster`` (``joblib.parallel_config(backend=
"dask")``); it prints the features' largest difference from the in-memory
ones, the largest result any task sent back (from the task stream) against
one chunk of images as uint8, and how many images each worker embedded.

The embedder is the recipe's MobileNetV2 cut at ``--layer`` (default
``block_6_expand_relu``: the data flow is what is measured, not the network;
the recipe's full network is ~40 images/s on 2 cores) with random weights
(``--weights imagenet`` reads ``$SKCXR_WEIGHTS``).

Usage::

    python benchmarks/bench_embed_memory.py [--n 2000 20000] [--subset 256]
        [--chunk 256] [--batch-size 8] [--size 320] [--normalizer clahe|none]
        [--layer block_6_expand_relu] [--dir /tmp/skcxr-embed-memory] [--dask 2000]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def write_images(folder, n, size):
    """``n`` distinct smooth grey PNGs (skips those already there)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{i:06d}.png" for i in range(n)]
    for i, path in enumerate(paths):
        if not path.exists():
            field = np.random.RandomState(i).rand(8, 8) * 200 + 20
            im = Image.fromarray(field.astype(np.uint8)).resize((size, size),
                                                               Image.Resampling.BICUBIC)
            im.save(path, compress_level=1)
    return [str(p) for p in paths]


def steps(args):
    from sklearn.pipeline import Pipeline

    from skcxr import XRayLoader
    from skcxr.features import XRayEmbedder
    from skcxr.preprocessing import XRayNormalizer

    weights = None if args.weights == "none" else args.weights
    normalizer = [] if args.normalizer == "none" else [
        ("normalizer", XRayNormalizer(method=args.normalizer))]
    return Pipeline([
        ("loader", XRayLoader(size=(args.size, args.size), dtype="uint8")),
        *normalizer,
        ("embedder", XRayEmbedder(weights=weights, layer=args.layer, verbose=0,
                                  batch_size=args.batch_size)),
    ])


def child(args):
    from skcxr.features import ChunkedTransformer

    paths = sorted(str(p) for p in Path(args.dir).glob("*.png"))[: args.child_n]
    warm = steps(args).fit_transform(paths[:2])  # TensorFlow and the model loaded
    del warm
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    extra = {}
    if args.child == "stream":
        F = ChunkedTransformer(steps(args), chunk_size=args.chunk, verbose=0).fit_transform(paths)
    elif args.child == "dask":
        F, extra = on_dask(args, paths)
    else:
        F = steps(args).fit_transform(paths)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    np.save(args.out, F[: args.subset])
    print(json.dumps({"n": len(paths), "peak_mb": peak, "base_mb": base, "seconds": seconds,
                      **extra}))


def on_dask(args, paths):
    """Features of ``paths`` from chunks of paths embedded on a 2-worker LocalCluster."""
    import joblib
    from distributed import Client, LocalCluster, get_task_stream

    from skcxr.features import ChunkedTransformer

    chunked = ChunkedTransformer(steps(args), chunk_size=args.chunk, verbose=0).fit(paths)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, memory_limit=0, silence_logs=40) as cluster, \
            Client(cluster) as client:
        with get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
            F = chunked.transform(paths)
        embedded = client.run(lambda: __import__("skcxr.features", fromlist=["x"])
                              .embedding_stats()["embedded"])
    results = [rec.get("nbytes", 0) for rec in stream.data]
    return F, {"tasks": len(results), "max_result_mb": max(results) / 2**20,
               "chunk_images_mb": args.chunk * args.size ** 2 / 2**20,
               "embedded_per_worker": sorted(embedded.values())}


def run_child(args, mode, n, out):
    cmd = [sys.executable, __file__, "--child", mode, "--child-n", str(n), "--out", out,
           "--dir", args.dir, "--size", str(args.size), "--chunk", str(args.chunk),
           "--layer", args.layer, "--weights", args.weights, "--normalizer", args.normalizer,
           "--batch-size", str(args.batch_size), "--subset", str(args.subset)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--subset", type=int, default=256)
    parser.add_argument("--chunk", type=int, default=256)
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--layer", default="block_6_expand_relu")
    parser.add_argument("--normalizer", default="clahe",
                        help="XRayNormalizer method between loader and embedder, or none")
    parser.add_argument("--batch-size", type=int, default=8,
                        help="images per forward pass (TensorFlow's activations: "
                             "~40 MB per image at 320 px)")
    parser.add_argument("--weights", default="none")
    parser.add_argument("--dir", default="/tmp/skcxr-embed-memory")
    parser.add_argument("--dask", type=int, default=0,
                        help="also run the stream over this many paths on a 2-worker LocalCluster")
    parser.add_argument("--child", choices=["stream", "memory", "dask"])
    parser.add_argument("--child-n", type=int)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    start = time.perf_counter()
    write_images(Path(args.dir), max(args.n), args.size)
    print(f"{max(args.n)} synthetic {args.size} px PNGs in {args.dir} "
          f"({time.perf_counter() - start:.0f} s); chunk {args.chunk}, layer {args.layer}, "
          f"weights {args.weights}, batch size {args.batch_size}, normalizer {args.normalizer}")
    runs = []
    for mode, n in [("memory", args.subset)] + [("stream", n) for n in sorted(args.n)]:
        out = os.path.join(args.dir, f"features-{mode}-{n}.npy")
        result = run_child(args, mode, n, out)
        runs.append((mode, result, out))
        print(f"{mode:6s} {result['n']:6d} images: peak RSS {result['peak_mb']:7.0f} MB "
              f"(before the first chunk {result['base_mb']:5.0f} MB), {result['seconds']:7.1f} s, "
              f"{result['n'] / result['seconds']:6.1f} img/s", flush=True)
    streams = [r for mode, r, _ in runs if mode == "stream"]
    print(f"peak ratio {streams[-1]['n']} / {streams[0]['n']} images: "
          f"{streams[-1]['peak_mb'] / streams[0]['peak_mb']:.2f}x "
          f"(images {streams[-1]['n'] / streams[0]['n']:.0f}x)")
    memory = np.load(runs[0][2])
    stream = np.load(runs[1][2])[: len(memory)]
    print(f"max |stream - in-memory features| on {len(memory)} images: "
          f"{float(np.abs(stream - memory).max()):.2e}")
    if args.dask:
        out = os.path.join(args.dir, f"features-dask-{args.dask}.npy")
        result = run_child(args, "dask", args.dask, out)
        dask = np.load(out)[: len(memory)]
        print(f"dask   {result['n']:6d} images on 2 workers: {result['seconds']:7.1f} s, "
              f"{result['n'] / result['seconds']:6.1f} img/s, client peak RSS "
              f"{result['peak_mb']:.0f} MB; {result['tasks']} tasks, largest result "
              f"{result['max_result_mb']:.2f} MB (one chunk of images as uint8: "
              f"{result['chunk_images_mb']:.1f} MB); embedded per worker "
              f"{result['embedded_per_worker']}")
        print(f"max |dask - in-memory features| on {len(memory)} images: "
              f"{float(np.abs(dask - memory).max()):.2e}")


if __name__ == "__main__":
    main()
