"""A pipeline fitted on PNG X-rays predicts the same on DICOM files of the same X-rays.

The DICOM files are written with pydicom from real PNGs of the COVID-19
collection: MONOCHROME2 and MONOCHROME1 with 8-bit values and MONOCHROME1
with 12-bit values; their windows map them back onto the PNG's grey values.
"""

import numpy as np
import pytest

from _dicom_files import png_to_dicom
from skcxr import make_default_pipeline

pytest.importorskip("pydicom")

VARIANTS = {  # name: (photometric, bits)
    "MONOCHROME2-8bit": ("MONOCHROME2", 8),
    "MONOCHROME1-8bit": ("MONOCHROME1", 8),
    "MONOCHROME1-12bit": ("MONOCHROME1", 12),
}


@pytest.fixture(scope="module")
def real_pngs(data_root):
    from skcxr.datasets import load_covid_chestxray

    meta = load_covid_chestxray(data_root / "covid-chestxray")
    meta = meta[(meta["modality"] == "X-ray") & meta["view"].isin(["PA", "AP"])
                & meta["path"].str.lower().str.endswith(".png")]
    covid = meta["finding"].str.contains("COVID")
    meta = meta.assign(label=np.where(covid, "covid", "non-covid"))
    picked = [meta[covid].iloc[:13], meta[~covid].iloc[:13]]
    return [(part["path"].tolist(), part["label"].tolist()) for part in picked]


def _pixel_logistic_pipeline():
    """Loader, CLAHE, flattened pixels, logistic regression: an image pipeline whose
    probabilities move with every pixel (the tiny CNN's barely move after a few epochs)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from skcxr import XRayLoader
    from skcxr.preprocessing import XRayNormalizer

    return make_pipeline(XRayLoader(size=(64, 64), resize="crop"), XRayNormalizer(method="clahe"),
                         FunctionTransformer(lambda X: X.reshape(len(X), -1)),
                         LogisticRegression(C=1.0, max_iter=1000))


@pytest.mark.real_data
@pytest.mark.slow
def test_png_fitted_pipeline_predicts_the_same_on_dicom(real_pngs, tmp_path):
    (covid_paths, covid_labels), (other_paths, other_labels) = real_pngs
    train = covid_paths[:10] + other_paths[:10]
    y = covid_labels[:10] + other_labels[:10]
    # 4 + 4 training X-rays and 3 + 3 the models have not seen
    shown = covid_paths[6:13] + other_paths[6:13]
    pipes = {
        "default pipeline (small_cnn, 64 px)": make_default_pipeline(
            loader__size=(64, 64), classifier__architecture="small_cnn",
            classifier__epochs=5, classifier__learning_rate=3e-3, classifier__batch_size=4,
            classifier__augmentation=False, classifier__random_state=0),
        "pixels + logistic regression": _pixel_logistic_pipeline(),
    }
    dicoms = {name: [png_to_dicom(p, tmp_path / f"{name}-{i}.dcm", photometric=photometric,
                                  bits=bits) for i, p in enumerate(shown)]
              for name, (photometric, bits) in VARIANTS.items()}
    loader = pipes["pixels + logistic regression"].steps[0][1]
    for paths in dicoms.values():  # the pixels themselves, before any model
        np.testing.assert_array_equal(loader.transform(paths), loader.transform(shown))
    for pipe_name, pipe in pipes.items():
        pipe.fit(train, y)
        png_proba = pipe.predict_proba(shown)
        spread = np.ptp(png_proba[:, 0])
        print(f"{pipe_name}: P(covid) of the PNGs spans {spread:.3f}")
        for name, paths in dicoms.items():
            dicom_proba = pipe.predict_proba(paths)
            assert dicom_proba.shape == png_proba.shape == (len(shown), 2)
            difference = np.abs(dicom_proba - png_proba).max()
            print(f"  {name}: max |DICOM - PNG| predict_proba = {difference:.2e}")
            # measured: 0 (the loader gives the PNG's pixels back exactly)
            assert difference < 0.02, (pipe_name, name)
    assert spread > 0.2  # the pixel model tells these images apart: the match means something
