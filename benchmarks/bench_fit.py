"""Benchmark: training speed of bare ``model.fit`` against ``CXRClassifier.fit``.

Both train the same network (``skcxr.architectures`` "five_block") for one
epoch on the same prepared array of real X-rays (loaded once with
``XRayLoader``), same batch size, no augmentation, no validation:

* bare: build the network, ``compile(Adam, sparse_categorical_crossentropy)``,
  ``model.fit(X, y_int, epochs=1)``, as a Keras user would;
* skcxr: ``Pipeline([FunctionTransformer(), CXRClassifier(epochs=1)])``
  ``.fit(X, y_str)`` (string labels, its input checks, seeding, history).

Both timings include building and compiling a fresh network (``fit`` always
does that). Repetitions are interleaved so both see the same machine noise;
the best round of each is reported (the least disturbed one), then, last, the
overhead of skcxr in percent.

``--part augment`` times ``CXRClassifier.fit`` with the default augmentation
against the same fit without it (same images, seeds and network), as images
per second and their ratio, and checks that two augmented fits with the same
``random_state`` give the same weights, bit for bit.

Usage::

    python benchmarks/bench_fit.py [--data PATH] [--n-images 512] [--size 128]
        [--repeat 3] [--batch-size 32] [--epochs 1] [--part overhead|augment]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from skcxr import CXRClassifier, XRayLoader
from skcxr.architectures import get_architecture
from _common import default_data_root, real_table  # benchmarks/ is sys.path[0] as a script


def bare_fit(X, y_int, *, epochs, batch_size, seed):
    import keras

    keras.utils.set_random_seed(seed)
    model = get_architecture("five_block")(X.shape[1:], 2)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, y_int, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    return model


def skcxr_fit(X, y, *, epochs, batch_size, seed, augmentation=None):
    pipe = Pipeline([
        ("passthrough", FunctionTransformer()),
        ("classifier", CXRClassifier("five_block", epochs=epochs, batch_size=batch_size,
                                     random_state=seed, dropout=None, class_weight=None,
                                     augmentation=augmentation)),  # None: as the bare fit
    ])
    return pipe.fit(X, y)


def augment_part(X, y, args):
    """Images/s of fits with and without the default augmentation, and repeatability."""
    n = len(X) * args.epochs
    skcxr_fit(X[:64], y[:64], epochs=1, batch_size=args.batch_size, seed=0, augmentation=True)
    skcxr_fit(X[:64], y[:64], epochs=1, batch_size=args.batch_size, seed=0)
    times = {"none": [], "default": []}
    weights = []
    for r in range(args.repeat):
        for name in ("none", "default"):
            start = time.perf_counter()
            pipe = skcxr_fit(X, y, epochs=args.epochs, batch_size=args.batch_size, seed=0,
                             augmentation=None if name == "none" else True)
            times[name].append(time.perf_counter() - start)
            if name == "default":
                weights.append(pipe[-1].model_.get_weights())
            print(f"round {r + 1}: augmentation {name:<7s} {times[name][-1]:.2f} s "
                  f"({n / times[name][-1]:.0f} img/s)", flush=True)
    best = {name: n / min(t) for name, t in times.items()}
    print(f"no augmentation     : {best['none']:.1f} img/s (best of {args.repeat})")
    print(f"default augmentation: {best['default']:.1f} img/s (best of {args.repeat})")
    print(f"speed ratio augmented / not: {best['default'] / best['none']:.2f}x")
    same = all(all(np.array_equal(a, b) for a, b in zip(weights[0], w)) for w in weights[1:])
    print(f"augmented fits with random_state=0 bit-for-bit equal over {len(weights)} rounds: "
          f"{same}")


def main(argv=None):
    default_data = default_data_root()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data, help="real data root")
    parser.add_argument("--n-images", type=int, default=512)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--color-mode", default="grayscale", choices=["grayscale", "rgb"])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--part", default="overhead", choices=["overhead", "augment"])
    args = parser.parse_args(argv)

    table = real_table(args.data)
    table = table.sample(n=min(args.n_images, len(table)), random_state=0)
    X = XRayLoader(size=(args.size, args.size), color_mode=args.color_mode,
                   resize="crop").fit_transform(table["path"])
    y = table["label"].to_numpy()
    y_int = (y == "non-covid").astype("int64")  # classes_ order: covid, non-covid
    n = len(X) * args.epochs
    print(f"{len(X)} real X-rays, array {X.shape} {X.dtype}; five_block, batch "
          f"{args.batch_size}, {args.epochs} epoch(s), {args.repeat} interleaved rounds")
    if args.part == "augment":
        return augment_part(X, y, args)

    # warm-up: TF runtime start and first-use costs (imports, first tracing of
    # each code path) paid once by each side, outside the timings
    bare_fit(X[:64], y_int[:64], epochs=1, batch_size=args.batch_size, seed=0)
    skcxr_fit(X[:64], y[:64], epochs=1, batch_size=args.batch_size, seed=0)

    times = {"bare": [], "skcxr": []}
    for r in range(args.repeat):
        for name in ("bare", "skcxr"):
            start = time.perf_counter()
            if name == "bare":
                bare_fit(X, y_int, epochs=args.epochs, batch_size=args.batch_size, seed=r)
            else:
                skcxr_fit(X, y, epochs=args.epochs, batch_size=args.batch_size, seed=r)
            times[name].append(time.perf_counter() - start)
            print(f"round {r + 1}: {name:<5s} {times[name][-1]:.2f} s "
                  f"({n / times[name][-1]:.0f} img/s)", flush=True)

    best = {name: min(t) for name, t in times.items()}
    print(f"bare model.fit      : {n / best['bare']:.1f} img/s (best of {args.repeat})")
    print(f"CXRClassifier.fit   : {n / best['skcxr']:.1f} img/s (best of {args.repeat})")
    overhead = 100 * (best["skcxr"] / best["bare"] - 1)
    print(f"overhead of CXRClassifier in a Pipeline: {overhead:+.1f} %")


if __name__ == "__main__":
    main()
