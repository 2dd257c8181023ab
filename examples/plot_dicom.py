"""
DICOM input: from a PACS export to predict_proba
=================================================

Hospitals store radiographs as DICOM. This example takes a folder of DICOM
files (any names, any subfolders), builds the table with
:func:`skcxr.datasets.load_dicom_folder` (chest frontal radiographs only;
every skipped file is counted, with its reason), and classifies it with a
pipeline fitted on PNG / JPEG X-rays: the loader decodes DICOM itself
(Modality LUT, VOI window, MONOCHROME1 inversion; see ``docs/dicom.rst``).

Without ``--dicom-root`` it first writes a demo export with pydicom from
held-out X-rays of the training data: MONOCHROME1 12-bit files as a
computed-radiography plate stores them, plus a lateral view and a report
without pixels (both skipped), and checks that the DICOM copies get the
probabilities of the originals. It saves ``dicom_check.png``, each kept image
as the network sees it (look at it: air dark, bones bright, right way up),
and ``predictions.csv``.

Labels are never read from DICOM tags: pass your own with ``--labels`` (a CSV
with the columns ``key`` and ``label``; ``--label-key`` names the table
column holding the keys, ``dicom_patientid`` (the files' ``PatientID``) by
default).

Usage::

    # synthetic X-rays and a demo export (no data needed); --quick: tiny
    python examples/plot_dicom.py --output-dir out [--quick]
    # your DICOM folder, a pipeline trained before (examples/plot_train_evaluate.py)
    python examples/plot_dicom.py --output-dir out --dicom-root ../shared/data/dicom \\
        --model out/model.joblib [--labels labels.csv --label-key accession_number]
    # train on the study's real folders first
    python examples/plot_dicom.py --output-dir out \\
        --covid-root ../shared/data/covid-chestxray \\
        --pneumonia-root ../shared/data/chest-xray-pneumonia --dicom-root DICOM_FOLDER
"""

import argparse
import os
import tempfile
import warnings
from pathlib import Path

from skcxr.utils._console import quiet_tensorflow

quiet_tensorflow()  # no TensorFlow C++ start-up lines (TF_CPP_MIN_LOG_LEVEL=0 shows them)

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit

QUICK_ENV = "SKCXR_EXAMPLE_QUICK"
DEFAULT_OUTPUT = "dicom_output"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Classify a folder of DICOM chest X-rays")
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT,
                        help="where outputs go (default: %(default)s; if it holds an earlier run, "
                             "a new timestamped folder)")
    parser.add_argument("--overwrite", action="store_true",
                        help="write into --output-dir even if it holds an earlier run")
    parser.add_argument("--quick", action="store_true",
                        help=f"tiny synthetic run (also set by ${QUICK_ENV}=1)")
    parser.add_argument("--dicom-root", help="folder of DICOM files (searched recursively); "
                        "default: a demo export written from held-out training X-rays")
    parser.add_argument("--labels", help="CSV with columns key,label (your labels)")
    parser.add_argument("--label-key", default="dicom_patientid",
                        help="table column holding the keys of --labels")
    parser.add_argument("--model", help="joblib file of a fitted Pipeline taking paths")
    parser.add_argument("--covid-root", help="covid-chestxray folder to train on")
    parser.add_argument("--pneumonia-root", help="Kermany {train,test}/{NORMAL,PNEUMONIA} folder")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    args.quick = args.quick or os.environ.get(QUICK_ENV, "") not in ("", "0")
    if args.pneumonia_root and not args.covid_root:
        parser.error("--pneumonia-root needs --covid-root")
    return args


def training_table(args, workdir):
    from skcxr.datasets import make_covid_dataset, make_synthetic_cxr

    if args.covid_root:
        return make_covid_dataset(args.covid_root, args.pneumonia_root,
                                  random_state=args.random_state)
    n, size = (48, 64) if args.quick else (300, 128)
    print(f"synthetic data: {n} PNG X-rays of {size} px (pass --covid-root for real ones)")
    return make_synthetic_cxr(n, workdir, image_size=size, random_state=args.random_state)


def fitted_pipeline(args, train):
    import joblib

    from skcxr import make_default_pipeline

    if args.model:
        return joblib.load(args.model)
    params = {"classifier__random_state": args.random_state}
    if args.quick:
        params.update(loader__size=(64, 64), classifier__architecture="small_cnn",
                      classifier__epochs=3, classifier__augmentation=None)
    if args.epochs is not None:
        params["classifier__epochs"] = args.epochs
    pipe = make_default_pipeline(**params)
    print(f"training on {len(train)} PNG images ...")
    return pipe.fit(train["path"], train["label"])


def write_demo_export(rows, root):
    """A PACS-like export of ``rows`` (path, patientid, view) written with pydicom."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ComputedRadiographyImageStorage, ExplicitVRLittleEndian, generate_uid

    from skcxr.preprocessing import read_image

    def save(path, values=None, **tags):
        ds = Dataset()
        ds.SOPClassUID, ds.SOPInstanceUID = ComputedRadiographyImageStorage, generate_uid()
        ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
        ds.Modality, ds.BodyPartExamined = "CR", "CHEST"
        for keyword, value in tags.items():
            setattr(ds, keyword, value)
        if values is not None:  # 12-bit plate values, MONOCHROME1: high = dark
            ds.Rows, ds.Columns = values.shape
            ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME1"
            ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
            ds.WindowCenter, ds.WindowWidth = 2048, 4096
            ds.PixelData = (4095 - values).astype(np.uint16).tobytes()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path.parent.mkdir(parents=True, exist_ok=True)
        ds.save_as(path, enforce_file_format=True)

    originals = {}
    for k, row in enumerate(rows.itertuples(index=False)):
        grey = read_image(row.path).astype(np.float64)  # the grey values skcxr reads
        values = np.rint(grey * 4095 / 255)
        path = root / f"patient{k:02d}" / "study1" / f"IM{k:04d}"  # no suffix, as PACS do
        save(path, values, PatientID=str(row.patientid), ViewPosition=str(row.view or "PA"))
        originals[str(path)] = row.path
        if k == 0:  # a lateral view and a report of the same patient: both skipped
            save(path.with_name("IM_LATERAL"), values, PatientID=str(row.patientid),
                 ViewPosition="LL")
            save(path.with_name("REPORT"), None, PatientID=str(row.patientid))
    return originals


def save_check_figure(path, images, table, p_covid):
    import matplotlib.pyplot as plt

    n = len(images)
    ncols = min(n, 4)
    nrows = -(-n // ncols)
    # 4 columns of 3.5 in at 100 dpi: 1400 px wide; constrained layout keeps the title whole
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.5 * ncols, 3.9 * nrows + 0.4),
                             squeeze=False, layout="constrained")
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, row, p in zip(axes.ravel(), images, table.itertuples(index=False), p_covid):
        ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{row.patientid} {row.view}\n{row.photometric}, "
                     f"{row.bits_stored} bits\nP(covid)={p:.2f}", fontsize=8)
    fig.suptitle("DICOM images as the loader decodes them (air dark, bone bright?)",
                 fontsize=12)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")


def main(argv=None):
    """Run the example; return the numbers it prints (a dict)."""
    from skcxr.utils._console import output_folder
    from skcxr.datasets import load_dicom_folder

    args = parse_args(argv)
    try:
        out = output_folder(args.output_dir, overwrite=args.overwrite, default=DEFAULT_OUTPUT)
    except FileExistsError as exc:
        raise SystemExit(f"error: {exc}") from None
    with tempfile.TemporaryDirectory() as workdir:
        workdir = Path(workdir)
        # 1. a pipeline fitted on PNG / JPEG X-rays
        originals, labels = {}, None
        if args.model and args.dicom_root:
            pipe = fitted_pipeline(args, None)
        else:
            table = training_table(args, workdir / "png")
            split = GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=args.random_state)
            train_idx, test_idx = next(split.split(table, groups=table["patientid"]))
            pipe = fitted_pipeline(args, table.iloc[train_idx])
            if not args.dicom_root:  # 2a. a demo export of held-out X-rays
                held_out = table.iloc[test_idx].head(4 if args.quick else 8)
                originals = write_demo_export(held_out, out / "dicom_export")
                # your labels, joined by PatientID (here: the held-out X-rays' own)
                labels = dict(zip(held_out["patientid"].astype(str), held_out["label"]))
        dicom_root = args.dicom_root or out / "dicom_export"

        # 2. the DICOM folder -> a table (skipped files counted in the warning)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if args.labels:
                given = pd.read_csv(args.labels, dtype=str)
                labels = dict(zip(given["key"], given["label"]))
            dicom, skipped = load_dicom_folder(dicom_root, labels=labels,
                                               label_key=args.label_key, return_skipped=True)
        for warning in caught:
            if "load_dicom_folder" in str(warning.message):
                print(f"note: {warning.message}")
        print(f"\n{len(dicom)} DICOM radiographs kept, {len(skipped)} files skipped")
        for reason, n in skipped["reason"].value_counts().items():
            print(f"  skipped: {n} {reason}")
        print(dicom[["patientid", "view", "modality", "body_part", "photometric",
                     "bits_stored", "rows", "columns"]].to_string(index=False))

        # 3. predict_proba straight from the table (the loader reads its path column)
        classes = list(pipe.classes_)
        p_covid = pipe.predict_proba(dicom)[:, classes.index("covid")]
        result = dicom[["path", "patientid", "view", "label"]].assign(p_covid=p_covid.round(4))
        if result["label"].notna().any():
            known = result.dropna(subset=["label"])
            hits = (known["p_covid"] > 0.5) == (known["label"] == "covid")
            print(f"\naccuracy on the {len(known)} labelled DICOM files: {hits.mean():.3f}")
        result.to_csv(out / "predictions.csv", index=False)
        print(f"\nP(covid) per DICOM file (written to {out / 'predictions.csv'}):")
        for row, p in zip(dicom.itertuples(index=False), p_covid):
            print(f"  {Path(row.path).relative_to(Path(dicom_root).resolve())}\t{p:.3f}")
        numbers = {"n_kept": len(dicom), "n_skipped": len(skipped), "p_covid": p_covid}
        if originals:  # the demo: the DICOM copies against their PNG originals
            png_p = pipe.predict_proba([originals[p] for p in dicom["path"]])
            difference = float(np.abs(png_p[:, classes.index("covid")] - p_covid).max())
            print(f"max |P(covid) DICOM copy - PNG original| = {difference:.2e}")
            numbers["max_difference"] = difference

        # 4. look at what the network sees
        if hasattr(pipe, "steps"):
            images = pipe[0].transform(dicom)  # the loader's output, before normalising
            save_check_figure(out / "dicom_check.png", images[:12], dicom.head(12), p_covid)
    return numbers


if __name__ == "__main__":
    main()
