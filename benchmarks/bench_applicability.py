"""Benchmark: does the applicability gate refuse what it should and pass what it should?

Every image's features (one decode, the default embedder, the statistics) are
computed once by the gate's own code and cached as ``.npz`` in ``--cache``
(default ``/tmp/skcxr_bench_applicability``); every gate below is then fitted
on those rows (``ApplicabilityGate._fit_features``: the same two models as
``fit``). Training images: ``make_multisource_dataset(data,
split_covid_by="region", n_negatives="all")`` (frontal films of six sources).
The made counter-examples are one per training image (transforms cycled);
each gate draws ``n_synthetic`` of those whose image is in its training set.
``not-chest/`` and the COVID collection's CT / lateral images are never used
to fit any gate here.

(a) chest_xray=False share of the COVID collection's CT slices (axial,
    coronal) and lateral views (``metadata.csv``) and of the DICOM films
    (the dental and tibia ones must be flagged, the two chest ones not), by a
    gate fitted on every training image (none of them is in it);
(b) the same for ``not-chest/``, per kind;
(c) frontal films of the training sources flagged (chest_xray=False, and
    familiar=False) in 5-fold StratifiedGroupKFold (by source, patient groups);
(d) leave-one-source-out: each source held out, the gate fitted on the others:
    familiar=False share of the held-out source and of the training sources'
    held-out folds (5-fold as in (c), inside the training sources);
(e) time of ``fit`` and ``check`` per 1000 images, features included
    (``--time N``: N images, feature caches cleared).

Usage::

    python benchmarks/bench_applicability.py [--data PATH] [--cache DIR] [--time N]
"""

import argparse
import os
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pandas as pd

from _common import default_data_root, default_weights_root

SOURCES = ["covid-chestxray@europe", "covid-chestxray@asia", "covid-chestxray@other",
           "chest-xray-pneumonia", "adult-normal", "tbx11k"]
SINGLE_SITE = ["chest-xray-pneumonia", "adult-normal", "tbx11k"]


def tables(data):
    from skcxr.datasets import DuplicateImageWarning, make_multisource_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateImageWarning)
        train = make_multisource_dataset(data, split_covid_by="region", n_negatives="all")
    meta = pd.read_csv(data / "covid-chestxray" / "metadata.csv")
    meta["path"] = [str(data / "covid-chestxray" / f / n) for f, n in zip(meta.folder, meta.filename)]
    other = meta[(meta.modality == "CT") | (meta.view == "L")].drop_duplicates("path")
    other = pd.DataFrame({"path": other.path, "kind": np.where(
        other.modality == "CT", "CT " + other.view.str.lower(), "X-ray lateral"),
        "patientid": other.patientid.astype(str)})
    dicom = pd.DataFrame({"path": [str(data / "dicom" / f) for f in (
        "CR-ModalitySequenceLUT.dcm", "RG3_J2KR.dcm", "CR-MONO1-10-chest.dcm", "RG1_J2KI.dcm")],
        "kind": ["DICOM dental", "DICOM tibia", "DICOM chest", "DICOM chest"]})
    notchest = pd.read_csv(data / "not-chest" / "manifest.csv")
    notchest["path"] = [str(data / "not-chest" / p) for p in notchest.path]
    return train, other, dicom, notchest


def features(gate, train, others, cache):
    """Feature rows of every image and of the made counter-examples, cached."""
    from skcxr.applicability._features import describe_files, embed, square_statistics
    from skcxr.applicability._negatives import TRANSFORMS, _transform, library_images

    file = cache / f"features_{len(train)}_{gate.size}.npz"
    if file.exists():
        return dict(np.load(file, allow_pickle=False))
    cache.mkdir(parents=True, exist_ok=True)
    embedder = gate._embedder()
    rng = np.random.default_rng(0)
    rows, made = [], []
    paths = list(train.path)
    for start in range(0, len(paths), 256):  # training images: features + one transform each
        squares, stats, reasons = describe_files(paths[start:start + 256], gate.size)
        assert not any(reasons), [r for r in reasons if r]
        rows.append(np.hstack([embed(squares, embedder), stats]))
        made += [_transform(TRANSFORMS[(start + i) % len(TRANSFORMS)], sq,
                            squares[rng.integers(len(squares))], gate.size, rng)
                 for i, sq in enumerate(squares)]
    made = np.stack(made)
    library = library_images(gate.size, 0)
    other_f, other_reasons, _ = gate._features(list(others.path))
    assert not any(other_reasons), [r for r in other_reasons if r]
    out = {"train": np.vstack(rows),
           "made": np.hstack([embed(made, embedder), square_statistics(made)]),
           "library": np.hstack([embed(library, embedder), square_statistics(library)]),
           "others": other_f}
    np.savez(file, **out)
    return out


def fit(F, rows, seed=0):
    """A default gate fitted on feature rows ``rows`` of the training table."""
    from skcxr.applicability import ApplicabilityGate

    gate = ApplicabilityGate(random_state=seed)
    rng = np.random.default_rng(seed)
    made = rng.choice(rows, size=min(gate.n_synthetic, len(rows)), replace=False)
    negatives = np.vstack([F["library"], F["made"][made]])
    return gate._fit_features(F["train"][rows], negatives, F["sources"][rows],
                              F["groups"][rows], seed)


def flags(gate, features):
    """(chest_xray=False, familiar=False) of a batch of feature rows, as ``check`` decides."""
    chest, novelty, batch = gate._scores(features)
    return chest < gate.chest_threshold, (novelty > 1) | batch


def unfamiliar(F, rows, features):
    """familiar=False of a default gate's novelty model fitted on ``rows`` (no chest model)."""
    from skcxr.applicability import ApplicabilityGate
    from skcxr.applicability._models import batch_outliers, fit_novelty, novelty_scores

    g = ApplicabilityGate()
    state = fit_novelty(F["train"][rows], F["sources"][rows], F["groups"][rows],
                        g.n_components, g.n_neighbors, g.unfamiliar_rate, g.cv, 0,
                        blocks=F["blocks"])
    batch = batch_outliers(state[0], state[1], features, g.batch_neighbors, g.batch_alpha)
    return (novelty_scores(*state, features, g.n_neighbors) > 1) | batch


def folds(F, rows, seed=0):
    from sklearn.model_selection import StratifiedGroupKFold

    split = StratifiedGroupKFold(5, shuffle=True, random_state=seed)
    for a, b in split.split(rows, F["sources"][rows], F["groups"][rows]):
        yield rows[a], rows[b]


def share(mask):
    return f"{mask.mean():.3f} ({int(mask.sum())}/{mask.size})"


def site_curve(F, ks=(0, 10, 25, 50, 100), draws=3):
    """(f) each single-site source held out, then k of its patients (seeded draws) added to
    the gate's training: familiar=False share of the rest of the source (one batch)."""
    print("(f) familiar=False share of a held-out source's remaining images once k of its "
          f"patients are in the gate's training (mean of {draws} draws; min-max)")
    for s in ("chest-xray-pneumonia", "adult-normal", "tbx11k"):
        mine = np.flatnonzero(F["sources"] == s)
        base = np.flatnonzero(F["sources"] != s)
        patients = np.unique(F["groups"][mine])
        cells = []
        for k in ks:
            values = []
            for seed in range(draws if k else 1):
                pick = np.random.default_rng(seed).choice(patients, size=k, replace=False)
                added = np.isin(F["groups"][mine], pick)
                rows = np.concatenate([base, mine[added]])
                values.append(unfamiliar(F, rows, F["train"][mine[~added]]).mean())
            cells.append(f"k={k}: {np.mean(values):.3f} ({min(values):.3f}-{max(values):.3f})")
        print(f"  {s:22s} " + "  ".join(cells), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data_root())
    parser.add_argument("--cache", default="/tmp/skcxr_bench_applicability")
    parser.add_argument("--time", type=int, default=300)
    parser.add_argument("--site-curve", action="store_true",
                        help="only (f): does the gate stop flagging a source once k of its "
                             "patients are in training?")
    args = parser.parse_args()
    os.environ.setdefault("SKCXR_WEIGHTS", default_weights_root())
    from skcxr.applicability import ApplicabilityGate

    data = Path(args.data)
    train, other, dicom, notchest = tables(data)
    others = pd.concat([other.assign(set="covid"), dicom.assign(set="dicom"),
                        notchest.assign(set="not-chest")], ignore_index=True)
    assert not set(others.path) & set(train.path), "a refused image is in the training table"
    start = time.perf_counter()
    F = features(ApplicabilityGate(), train, others, Path(args.cache))
    F["sources"], F["groups"] = train.source.to_numpy(str), train.patientid.to_numpy(str)
    F["blocks"] = ApplicabilityGate()._blocks()
    print(f"features of {len(train)} training + {len(others)} other images + "
          f"{len(F['made']) + len(F['library'])} counter-examples: "
          f"{time.perf_counter() - start:.1f} s (cached in {args.cache})\n")
    every = np.arange(len(train))
    if args.site_curve:
        site_curve(F)
        return

    print("(a, b) chest_xray=False, gate fitted on every training image (none of these in it)")
    not_chest, _ = flags(fit(F, every), F["others"])
    by = others.assign(flagged=not_chest).groupby(["set", "kind"], sort=False).flagged
    print(by.agg(share=lambda m: share(m.to_numpy())).to_string())
    for name, rows in [("COVID CT + lateral", others.set == "covid"),
                       ("DICOM dental + tibia", others.kind.isin(["DICOM dental", "DICOM tibia"])),
                       ("not-chest (all)", others.set == "not-chest")]:
        print(f"  {name}: {share(not_chest[rows.to_numpy()])}")

    print("\n(c) frontal films of the training sources flagged, 5-fold grouped by patient")
    print("  (familiar=False: the held-out fold checked as one batch; 'alone': each source's "
          "part of the fold checked as its own batch)")
    c_chest, c_unfam, c_alone = (np.zeros(len(train), bool) for _ in range(3))
    for a, b in folds(F, every):
        gate = fit(F, a)
        c_chest[b], c_unfam[b] = flags(gate, F["train"][b])
        for s in SOURCES:
            part = b[F["sources"][b] == s]
            c_alone[part] = flags(gate, F["train"][part])[1]
    for s in SOURCES + ["all"]:
        m = np.ones(len(train), bool) if s == "all" else F["sources"] == s
        print(f"  {s:24s} chest_xray=False {share(c_chest[m])}  familiar=False "
              f"{share(c_unfam[m])}  either {share((c_chest | c_unfam)[m])}  "
              f"familiar=False alone {share(c_alone[m])}")

    print("\n(d) leave-one-source-out: familiar=False share (held-out source checked as one batch)")
    for s in SOURCES:
        held, rows = F["sources"] == s, np.flatnonzero(F["sources"] != s)
        gate = fit(F, rows)
        h_chest, h_unfam = flags(gate, F["train"][held])
        inner = np.concatenate([unfamiliar(F, a, F["train"][b]) for a, b in folds(F, rows)])
        print(f"  held out {s:24s} {share(h_unfam)}   training sources' held-out folds "
              f"{share(inner)}   held-out chest_xray=True {share(~h_chest)}")

    if args.time:
        from skcxr.features import clear_feature_cache

        clear_feature_cache(models=False)
        paths = train.path.sample(2 * args.time, random_state=0).tolist()
        gate = ApplicabilityGate(random_state=0)
        t0 = time.perf_counter()
        gate.fit(paths[:args.time])
        t1 = time.perf_counter()
        gate.check(paths[args.time:])
        t2 = time.perf_counter()
        per = 1000 / args.time
        print(f"\n(e) fit on {args.time} images: {t1 - t0:.1f} s ({(t1 - t0) * per:.0f} s per 1000, "
              f"incl. {gate.n_negatives_} counter-examples); check of {args.time} other images: "
              f"{t2 - t1:.1f} s ({(t2 - t1) * per:.0f} s per 1000); features included, "
              f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
