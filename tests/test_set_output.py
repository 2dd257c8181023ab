"""``set_output(transform="pandas")`` on every recipe: image steps pass arrays through,
the feature steps after them return DataFrames named by the embedder."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("keras")

from skcxr import (  # noqa: E402
    XRayLoader,
    make_default_pipeline,
    make_multisource_pipeline,
    make_pretrained_pipeline,
)
from skcxr.preprocessing import XRayNormalizer  # noqa: E402


@pytest.fixture(scope="module")
def small(synthetic_table):
    table = synthetic_table.groupby("label").head(12).reset_index(drop=True)
    return table["path"].tolist(), table["label"].to_numpy()


@pytest.mark.parametrize("transformer", [XRayLoader(size=(16, 16)), XRayNormalizer()])
@pytest.mark.parametrize("container", ["pandas", "polars", "default", None])
def test_image_steps_accept_set_output_and_keep_arrays(transformer, container, small):
    paths, _ = small
    assert transformer.set_output(transform=container) is transformer
    X = XRayLoader(size=(16, 16)).transform(paths[:3])
    out = transformer.fit_transform(paths[:3] if isinstance(transformer, XRayLoader) else X)
    assert isinstance(out, np.ndarray) and out.shape == (3, 16, 16, 1)


def test_image_steps_refuse_an_unknown_container():
    with pytest.raises(ValueError, match="must be one of .*'pandas'.*got 'arrow'"):
        XRayLoader().set_output(transform="arrow")


def test_default_recipe_with_pandas_output(small):
    paths, y = small
    pipe = make_default_pipeline(
        loader__size=(32, 32), classifier__architecture="small_cnn", classifier__epochs=1,
        classifier__batch_size=8, classifier__augmentation=False, classifier__random_state=0)
    pipe.set_output(transform="pandas")
    proba = pipe.fit(paths, y).predict_proba(paths)
    assert proba.shape == (len(paths), 2)
    assert isinstance(pipe[:-1].transform(paths), np.ndarray)  # images stay images


@pytest.mark.parametrize("recipe", [make_pretrained_pipeline, make_multisource_pipeline])
def test_feature_recipes_with_pandas_output_name_the_features(recipe, small):
    paths, y = small
    # random features: fast; the recipes' model (threshold carried), no gate here
    groups = np.arange(len(y))  # one image per patient
    model = recipe(loader__size=(32, 32), embedder__weights=None, gate=None, cv=3)
    plain = recipe(loader__size=(32, 32), embedder__weights=None, gate=None, cv=3).fit(
        paths, y, groups=groups)
    assert model.set_output(transform="pandas") is model
    model.fit(paths, y, groups=groups)
    pipe = model.estimator_
    features = pipe[:-1].transform(paths)
    names = pipe.named_steps["embedder"].get_feature_names_out()
    assert isinstance(features, pd.DataFrame)
    assert features.columns.tolist() == names.tolist()
    assert pipe.named_steps["classifier"].feature_names_in_.tolist() == names.tolist()
    # the same numbers (and threshold) as without set_output
    np.testing.assert_allclose(model.predict_proba(paths), plain.predict_proba(paths), rtol=1e-6)
    assert model.best_threshold_ == pytest.approx(plain.best_threshold_)
