"""skcxr.model_selection.search_progress: each finished fit of a search is reported."""

import re

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skcxr import XRayLoader
from skcxr.model_selection import search_progress


def _search(**kwargs):
    X = np.random.RandomState(0).rand(30, 3)
    y = np.arange(30) % 2
    return GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0, 10.0]}, cv=3, **kwargs), X, y


def test_search_progress_reports_every_fit_of_a_search(capfd):
    search, X, y = _search(n_jobs=1)
    with search_progress():
        search.fit(X, y)
    err = capfd.readouterr().err
    done = [int(k) for k in re.findall(r"Done +(\d+) tasks", err)]
    assert done == list(range(1, 10))  # fit k, one line each, with the elapsed time
    assert re.search(r"Done +9 out of +9 \| elapsed: +[\d.]+s finished", err)


def test_search_progress_knows_n_with_pre_dispatch_all_and_threads(capfd):
    search, X, y = _search(n_jobs=2, pre_dispatch="all")
    with joblib.parallel_config(backend="threading"), search_progress():
        search.fit(X, y)
    err = capfd.readouterr().err
    assert re.search(r"Done +1 out of +9 \| elapsed: .* remaining: ", err)
    assert re.search(r"Done +9 out of +9 \| elapsed: +[\d.]+s finished", err)


def test_progress_is_off_by_default_and_after_the_block(capfd):
    search, X, y = _search(n_jobs=1)
    search.fit(X, y)
    with search_progress():
        pass
    search.fit(X, y)
    assert "Done" not in capfd.readouterr().err


def test_image_decoding_threads_stay_silent_inside(capfd, synthetic_table):
    with search_progress():
        images = XRayLoader(size=(16, 16), n_jobs=2).transform(synthetic_table["path"][:40])
    assert images.shape == (40, 16, 16, 1)
    assert "Parallel" not in capfd.readouterr().err
