"""Benchmark: XRayLoader against the study's plain loading loop, same run.

Loads every frontal X-ray of the real data (covid-chestxray rows with modality
X-ray and view PA / AP / AP Supine, all of chest-xray-pneumonia, all of
adult-normal) twice:

* the study's way: a Python loop, ``Image.open(p).convert("RGB").resize((150,
  150))`` one image at a time, ``np.stack``, divide by 255;
* ``XRayLoader(size=(150, 150))`` with its defaults (and, for reference, with
  ``n_jobs=1``, sequential).

Prints images/s for each, the mean absolute pixel difference of the loader's
output to a full-quality decode + resize of the same images (no JPEG draft, no
reducing gap), and, last, the speed ratio loader / study.

``--part dicom`` (also part of ``all``, the default) times DICOM decoding
beside PNG decoding: each of the four real DICOM files of ``<data>/dicom``
(one decode at full size, best of ``--repeat``), then ``XRayLoader`` over the
four files repeated ``--dicom-copies`` times against the same number of the
real PNG X-rays, sequential (``n_jobs=1``) and with the loader's threads;
and, per file, a full decode + resize (``draft=False``) against the decode
at the size needed (JPEG 2000 at a reduced resolution level) with the mean
absolute difference of the two images.

Usage::

    python benchmarks/bench_loader.py [--data PATH] [--repeat 3] [--size 150]
                                      [--part all|study|dicom] [--dicom-copies 8]
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import cpu_count
from PIL import Image

from skcxr.preprocessing import XRayLoader, read_image
from _common import default_data_root  # benchmarks/ is sys.path[0] when run as a script

FRONTAL_VIEWS = ("PA", "AP", "AP Supine")


def frontal_paths(root):
    """Absolute paths of all frontal X-rays under ``root`` (sorted, unique)."""
    root = Path(root)
    meta = pd.read_csv(root / "covid-chestxray" / "metadata.csv")
    keep = (meta["modality"] == "X-ray") & meta["view"].isin(FRONTAL_VIEWS)
    covid = [
        root / "covid-chestxray" / folder / name
        for folder, name in zip(meta.loc[keep, "folder"], meta.loc[keep, "filename"])
    ]
    others = sorted((root / "chest-xray-pneumonia").glob("*/*/*"))
    others += sorted((root / "adult-normal" / "images").glob("*"))
    paths = sorted({str(p) for p in covid}) + [str(p) for p in others]
    return [p for p in paths if os.path.isfile(p)]


def study_loop(paths, size):
    """The study's loader: one image at a time, RGB, Pillow's default resize."""
    images = []
    for path in paths:
        image = Image.open(path).convert("RGB").resize((size, size))
        images.append(np.asarray(image))
    return np.stack(images) / 255


def best_times(funcs, repeat):
    """Best wall and CPU time of each function over ``repeat`` interleaved rounds.

    Interleaving gives every contender the same share of a noisy, shared
    machine; the best round is the least disturbed one.
    """
    times = [[] for _ in funcs]
    cpu = [[] for _ in funcs]
    results = [None] * len(funcs)
    for _ in range(repeat):
        for i, func in enumerate(funcs):
            start, start_cpu = time.perf_counter(), time.process_time()
            results[i] = func()
            times[i].append(time.perf_counter() - start)
            cpu[i].append(time.process_time() - start_cpu)
    return [min(t) for t in times], [min(c) for c in cpu], results


def dicom_part(args):
    """images/s of the four real DICOM files beside PNG X-rays, sequential and threaded."""
    dicom = sorted(str(p) for p in (Path(args.data) / "dicom").glob("*.dcm"))
    if not dicom:
        print(f"no DICOM files in {Path(args.data) / 'dicom'}: DICOM part skipped")
        return
    size = args.size
    print(f"\nDICOM: {len(dicom)} files of {Path(args.data) / 'dicom'}; size {size}")
    decodes = [lambda p=p: read_image(p) for p in dicom]
    times, _, images = best_times(decodes, args.repeat)
    target = [lambda p=p: read_image(p, size=(size, size), resize="crop") for p in dicom]
    full = [lambda p=p: read_image(p, size=(size, size), resize="crop", draft=False)
            for p in dicom]
    t_target, _, reduced = best_times(target, args.repeat)
    t_full, _, resized = best_times(full, args.repeat)
    print("  file                         size      full-size decode | at the target size: "
          "full decode + resize, decode at the size needed, ratio, mean |difference|")
    for i, (path, wall, image) in enumerate(zip(dicom, times, images)):
        diff = np.abs(reduced[i].astype(float) - resized[i]).mean()
        print(f"  {Path(path).name:28s} {image.shape[1]:4d}x{image.shape[0]:<4d} "
              f"{wall * 1000:6.1f} ms | {t_full[i] * 1000:6.1f} ms, {t_target[i] * 1000:6.1f} ms, "
              f"{t_full[i] / t_target[i]:5.1f}x, {diff:.3f} of 255")
    paths_dicom = dicom * args.dicom_copies
    png = [p for p in frontal_paths(args.data) if p.lower().endswith(".png")]
    paths_png = png[: len(paths_dicom)]
    for path in paths_png + dicom:  # warm the OS file cache
        Path(path).read_bytes()
    pixels = {p: Image.open(p).size for p in paths_png}
    mean_px = np.mean([w * h for w, h in pixels.values()]) / 1e6
    mean_px_dicom = np.mean([im.size for im in images]) / 1e6
    loaders = {
        "DICOM XRayLoader n_jobs=1   ": (paths_dicom, 1),
        "DICOM XRayLoader n_jobs=None": (paths_dicom, None),
        "PNG   XRayLoader n_jobs=1   ": (paths_png, 1),
        "PNG   XRayLoader n_jobs=None": (paths_png, None),
    }
    funcs = [lambda p=p, j=j: XRayLoader(size=(size, size), n_jobs=j).transform(p)
             for p, j in loaders.values()]
    walls, cpus, _ = best_times(funcs, args.repeat)
    rate = {}
    for (label, (paths, _)), wall, cpu in zip(loaders.items(), walls, cpus):
        rate[label.strip()] = len(paths) / wall
        print(f"{label}: {len(paths) / wall:7.1f} img/s ({len(paths)} images, "
              f"wall {wall:.2f} s, CPU {cpu:.2f} s)")
    print(f"mean image size: DICOM {mean_px_dicom:.2f} Mpx, PNG {mean_px:.2f} Mpx")
    print("thread speed-up DICOM: "
          f"{rate['DICOM XRayLoader n_jobs=None'] / rate['DICOM XRayLoader n_jobs=1']:.2f}x, "
          f"PNG: {rate['PNG   XRayLoader n_jobs=None'] / rate['PNG   XRayLoader n_jobs=1']:.2f}x")
    print("speed ratio DICOM / PNG (threads): "
          f"{rate['DICOM XRayLoader n_jobs=None'] / rate['PNG   XRayLoader n_jobs=None']:.2f}x")


def main(argv=None):
    default_data = default_data_root()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data, help="real data root")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--size", type=int, default=150)
    parser.add_argument("--part", choices=["all", "study", "dicom"], default="all")
    parser.add_argument("--dicom-copies", type=int, default=8,
                        help="times each DICOM file is loaded in the loader timing")
    args = parser.parse_args(argv)
    if args.part in ("all", "study"):
        study_part(args)
    if args.part in ("all", "dicom"):
        dicom_part(args)


def study_part(args):
    """The study's loop against XRayLoader on every frontal X-ray."""
    paths = frontal_paths(args.data)
    n = len(paths)
    size = args.size
    print(f"{n} frontal images from {args.data}; {cpu_count()} CPU cores; size {size}")
    for path in paths:  # warm the OS file cache so both sides read from memory
        Path(path).read_bytes()

    (t_study, t_loader, t_seq), (c_study, c_loader, c_seq), (_, X, _) = best_times(
        [
            lambda: study_loop(paths, size),
            lambda: XRayLoader(size=(size, size)).transform(paths),
            lambda: XRayLoader(size=(size, size), n_jobs=1).transform(paths),
        ],
        args.repeat,
    )

    reference = np.stack(
        [read_image(p, size=(size, size), draft=False, reducing_gap=None) for p in paths]
    ).astype(np.float32)[..., None] / 255
    mad = float(np.abs(X - reference).mean())
    p99 = float(np.percentile(np.abs(X - reference).mean(axis=(1, 2, 3)), 99))

    for label, wall, cpu in [
        ("study loop (RGB, 1 thread)       ", t_study, c_study),
        ("XRayLoader defaults (n_jobs=None)", t_loader, c_loader),
        ("XRayLoader n_jobs=1 (sequential) ", t_seq, c_seq),
    ]:
        print(f"{label}: {n / wall:7.1f} img/s (wall {wall:.2f} s, CPU {cpu:.2f} s)")
    print(
        f"mean |XRayLoader - full-quality decode+resize| = {mad:.5f} "
        f"({mad * 255:.3f} of 255; 99th percentile per image {p99 * 255:.3f} of 255)"
    )
    print(f"speed ratio XRayLoader n_jobs=1 / study : {t_study / t_seq:.2f}x")
    print(f"speed ratio XRayLoader defaults / study: {t_study / t_loader:.2f}x")


if __name__ == "__main__":
    main()
