"""Evaluation by source: patient-grouped CV with a per-source breakdown, plus
cross-source runs that train without a source and test on it."""

import time
from numbers import Integral, Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import StratifiedGroupKFold, check_cv
from sklearn.utils._param_validation import (
    HasMethods,
    InvalidParameterError,
    validate_params,
)

from ..metrics._classification import _estimator_positive_scores
from ._threshold import with_groups
from ._report import CROSS_SOURCE, INTERNAL, SourceEvaluation, score_by_source


def _log(verbose, message):
    if verbose:
        print(f"[evaluate_by_source] {message}", flush=True)


class EstimatorParameterError(ValueError, TypeError):
    """An estimator fitted inside :func:`evaluate_by_source` rejected one of its parameters.

    Raised instead of scikit-learn's ``InvalidParameterError``, whose message
    ``validate_params`` would rewrite to name :func:`evaluate_by_source` as
    the owner of the estimator's parameter.
    """


def _validate_table(table, columns, pos_label):
    role = dict(columns)
    missing = [f"{name!r} ({what})" for what, name in columns if name not in table.columns]
    if missing:
        raise ValueError(
            f"table lacks column(s) {', '.join(missing)}; it has {list(table.columns)}"
        )
    for what, name in columns:
        n_missing = int(table[name].isna().sum())
        if n_missing:
            first = table.index[table[name].isna()][0]
            raise ValueError(
                f"column {name!r} ({what}) has {n_missing} missing value(s), "
                f"first at row {first!r}; drop or fill them first"
            )
    labels = sorted(pd.unique(table[role["labels"]]).tolist(), key=str)
    if pos_label not in labels:
        raise ValueError(
            f"pos_label={pos_label!r} not found in column {role['labels']!r}; labels: {labels}"
        )
    if len(labels) != 2:
        raise ValueError(
            f"column {role['labels']!r} must hold exactly two labels, got {labels}"
        )
    return next(label for label in labels if label != pos_label)


def _resolve_cross_sources(cross_source, table, source_column, label_column, pos_label):
    sources = sorted(pd.unique(table[source_column]).tolist(), key=str)
    if cross_source is True:
        has_pos = table.groupby(source_column)[label_column].apply(
            lambda s: bool((s == pos_label).any())
        )
        return [s for s in sources if not has_pos[s]]
    if cross_source is False or cross_source is None:
        return []
    names = [cross_source] if isinstance(cross_source, str) else list(cross_source)
    unknown = [name for name in names if name not in sources]
    if unknown:
        raise ValueError(
            f"cross_source names unknown source(s) {unknown}; "
            f"column {source_column!r} holds {sources}"
        )
    return names


def _make_folds(cv, table, y, groups, random_state):
    cv = 5 if cv is None else cv
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        n_groups = len(pd.unique(groups))
        if n_groups < cv:
            raise ValueError(
                f"cv={cv} needs at least {cv} patients, the table has {n_groups}"
            )
        splitter = StratifiedGroupKFold(n_splits=cv, shuffle=True, random_state=random_state)
        description = f"StratifiedGroupKFold, {cv} folds, random_state={random_state}"
    else:
        splitter = check_cv(cv, y, classifier=True)
        description = repr(splitter)
    folds = [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(table, y, groups)]
    counts = np.zeros(len(table), dtype=int)
    for fold, (train, test) in enumerate(folds):
        counts[test] += 1
        straddling = np.intersect1d(groups[train], groups[test])
        if straddling.size:
            raise ValueError(
                f"cv put patient {straddling[0]!r} ({straddling.size} patient(s) in all) in "
                f"both train and test of fold {fold}; use a group-aware splitter such as "
                "StratifiedGroupKFold"
            )
    if not np.all(counts == 1):
        raise ValueError(
            "cv must put every row in exactly one test fold (a partition); "
            f"{int(np.sum(counts != 1))} row(s) were tested {sorted(set(counts[counts != 1]))} times"
        )
    return folds, description


def _check_fit_params(fit_params, n_rows):
    """Row-aligned fit parameters as arrays, checked against the table's length."""
    if fit_params is None:
        return {}
    checked = {}
    for name, value in fit_params.items():
        array = np.asarray(value)
        if array.ndim == 0 or len(array) != n_rows:
            raise ValueError(
                f"fit_params[{name!r}] must hold one value per table row ({n_rows}), "
                f"got shape {array.shape}"
            )
        checked[name] = array
    return checked


def _fit_predict(estimator, X, y, train, test, pos_label, message, verbose, fit_params):
    start = time.perf_counter()
    params = {name: value[train] for name, value in fit_params.items()}
    try:
        fitted = clone(estimator).fit(X.iloc[train], y[train], **params)
    except InvalidParameterError as exc:
        raise EstimatorParameterError(
            f"{message}: {type(estimator).__name__} rejected a parameter: {exc}") from exc
    X_test = X.iloc[test]
    y_pred = np.asarray(fitted.predict(X_test), dtype=object)
    y_score = _estimator_positive_scores(fitted, X_test, pos_label)
    _log(verbose, f"{message} ({time.perf_counter() - start:.1f} s)")
    return y_pred, y_score


def _predictions(table, rows, evaluation, fold, groups, y, y_pred, y_score, source_column):
    return pd.DataFrame({
        "evaluation": evaluation,
        "fold": pd.array([fold] * len(rows), dtype="Int64"),
        "index": table.index[rows],
        "source": table[source_column].to_numpy()[rows],
        "group": groups[rows],
        "y_true": y[rows],
        "y_pred": y_pred,
        "y_score": np.asarray(y_score, dtype=float),
    })


@validate_params(
    {
        "estimator": [HasMethods(["fit", "predict"])],
        "table": [pd.DataFrame],
        "cv": ["cv_object"],
        "groups": [str],
        "source_column": [str],
        "label_column": [str],
        "path_column": [str, None],
        "pos_label": [str, Real],
        "cross_source": ["boolean", str, list, tuple, None],
        "fit_params": [dict, None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    },
    # the estimator is fitted here: its own parameter checks must run
    prefer_skip_nested_validation=False,
)
def evaluate_by_source(
    estimator,
    table,
    *,
    cv=5,
    groups="patientid",
    source_column="source",
    label_column="label",
    path_column="path",
    pos_label="covid",
    cross_source=True,
    fit_params=None,
    random_state=0,
    n_jobs=None,
    verbose=0,
):
    """Score a classifier per source, inside its data and on sources it never saw.

    Two evaluations in one call:

    * **internal**: patient-grouped cross-validation on the whole table. A clone
      of ``estimator`` is fitted per fold; the out-of-fold predictions are pooled
      and every metric is reported overall (source ``"all"``) and per source.
    * **cross-source**: for each source named by ``cross_source``, a clone is
      fitted on every row *not* from that source and tested on that source.
      High internal but low cross-source specificity on a healthy source is the
      signature of a shortcut (the model recognises the source, not the disease).

    A source holding one class reports only the metric defined for it
    (specificity for negative-only sources, sensitivity for positive-only ones);
    accuracy, the other rate and ROC AUC are NaN there, never a misleading number.

    Parameters
    ----------
    estimator : classifier
        Unfitted scikit-learn classifier or pipeline, e.g.
        :func:`skcxr.make_default_pipeline`. It is cloned for every fit;
        ``predict`` gives the labels and ``predict_proba`` (else
        ``decision_function``) the scores for ROC AUC.
    table : pandas.DataFrame
        One row per image with the columns named below (see
        :mod:`skcxr.datasets`).
    cv : int, cross-validation generator, iterable or None, default=5
        An int (>= 2) gives ``StratifiedGroupKFold(n_splits=cv, shuffle=True,
        random_state=random_state)``; None means 5. A splitter or iterable of
        (train, test) index arrays must partition the rows and never split a
        patient.
    groups : str, default="patientid"
        Column of patient ids; a patient's images never straddle train and test.
    source_column, label_column : str, default="source", "label"
        Columns with the source name and the true label of each row.
    path_column : str or None, default="path"
        Column passed to the estimator as ``X`` (a Series of paths, which
        :class:`skcxr.XRayLoader` reads). ``None`` passes the table itself,
        less ``label_column``, for estimators that take a DataFrame.
    pos_label : str, default="covid"
        The positive class; the table's other label is the negative class.
    cross_source : bool, str, list of str or None, default=True
        Sources to hold out one at a time. ``True``: every source without a
        ``pos_label`` row (the healthy sources); ``False``, ``None`` or
        ``[]``: none.
    fit_params : dict or None, default=None
        Row-aligned fit parameters, ``{name: array of one value per table
        row}`` (e.g. ``{"classifier__sample_weight": w}`` for a pipeline);
        each fit receives the values of its training rows.
    random_state : int, RandomState or None, default=0
        Seeds the fold shuffling when ``cv`` is an int.
    n_jobs : int or None, default=None
        Fits run in parallel with joblib (``None`` means one).
    verbose : int, default=0
        Print progress (one line per fit) when positive.

    Returns
    -------
    result : SourceEvaluation
        ``result.to_frame()`` is the tidy score table (columns ``evaluation``,
        ``source``, ``n``, ``n_positive``, ``n_negative``, ``accuracy``,
        ``sensitivity``, ``specificity``, ``roc_auc``); ``result.predictions``
        holds every prediction; ``print(result)`` gives the labelled report.

    Raises
    ------
    ValueError
        A column is missing or has missing values, the labels are not two with
        ``pos_label`` among them, ``cross_source`` names an unknown source,
        there are fewer patients than folds, ``cv`` splits a patient, a
        training set holds a single class, or a ``fit_params`` array does not
        hold one value per row.
    TypeError
        ``table`` is not a DataFrame or ``fit_params`` is not a dict.

    See Also
    --------
    sklearn.model_selection.StratifiedGroupKFold : The default internal splitter.
    skcxr.metrics.classification_summary : Metrics for one set of predictions.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.dummy import DummyClassifier
    >>> from skcxr.model_selection import evaluate_by_source
    >>> table = pd.DataFrame({
    ...     "path": [f"/x/{i}.png" for i in range(24)],
    ...     "label": ["covid"] * 12 + ["non-covid"] * 12,
    ...     "patientid": [f"p{i // 2}" for i in range(24)],
    ...     "source": ["covid-chestxray"] * 12 + ["adult-normal"] * 12})
    >>> result = evaluate_by_source(DummyClassifier(strategy="constant",
    ...     constant="non-covid"), table, cv=3, cross_source=False)
    >>> result.to_frame()[["source", "sensitivity", "specificity"]]
                source  sensitivity  specificity
    0              all          0.0          1.0
    1     adult-normal          NaN          1.0
    2  covid-chestxray          0.0          NaN
    """
    columns = [("labels", label_column), ("sources", source_column), ("groups", groups)]
    if path_column is not None:
        columns.append(("X", path_column))
    neg_label = _validate_table(table, columns, pos_label)
    cross_sources = _resolve_cross_sources(
        cross_source, table, source_column, label_column, pos_label
    )
    fit_params = _check_fit_params(fit_params, len(table))
    X = table[path_column] if path_column is not None else table.drop(columns=label_column)
    y = table[label_column].to_numpy(dtype=object)
    group_ids = table[groups].to_numpy(dtype=object)
    fit_params = with_groups(estimator, fit_params, group_ids)
    sources = table[source_column].to_numpy(dtype=object)

    folds, description = _make_folds(cv, table, y, group_ids, random_state)
    jobs = []
    for k, (train, test) in enumerate(folds):
        message = (f"internal fold {k + 1}/{len(folds)}: fit on {len(train)} rows, "
                   f"test on {len(test)}")
        jobs.append((INTERNAL, k, train, test, message))
    for source in cross_sources:
        test = np.flatnonzero(sources == source)
        train = np.flatnonzero(sources != source)
        # never train on the test source, nor on any of its patients
        if source in set(sources[train]):  # pragma: no cover - guard against regressions
            raise RuntimeError(f"cross-source run for {source!r} would train on it")
        shared = np.intersect1d(group_ids[train], group_ids[test])
        if shared.size:
            raise ValueError(
                f"patient {shared[0]!r} appears in source {source!r} and in other sources; "
                "cross-source evaluation needs patient ids unique to one source"
            )
        if len(set(y[train])) < 2:
            raise ValueError(
                f"holding out source {source!r} leaves training rows of one class only "
                f"({sorted(set(y[train]))}); cross-source evaluation needs both classes"
            )
        message = f"cross-source {source!r}: fit on {len(train)} rows, test on {len(test)}"
        jobs.append((CROSS_SOURCE, source, train, test, message))

    _log(verbose, f"{len(folds)} internal fold(s) ({description}), "
                  f"{len(cross_sources)} cross-source run(s): {cross_sources}")
    for k, (train, _) in enumerate(folds):
        if len(set(y[train])) < 2:
            raise ValueError(
                f"internal fold {k} trains on one class only ({sorted(set(y[train]))}); "
                f"too few patients per class for cv={cv!r}"
            )
    outputs = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict)(estimator, X, y, train, test, pos_label, message, verbose,
                              fit_params)
        for _, _, train, test, message in jobs
    )

    internal, cross, rows = [], [], []
    for (evaluation, key, _, test, _), (y_pred, y_score) in zip(jobs, outputs):
        fold = key if evaluation == INTERNAL else None
        frame = _predictions(table, test, evaluation, fold, group_ids, y, y_pred, y_score,
                             source_column)
        (internal if evaluation == INTERNAL else cross).append(frame)
    if internal:
        pooled = pd.concat(internal, ignore_index=True)
        rows += score_by_source(pooled, evaluation=INTERNAL, pos_label=pos_label,
                                neg_label=neg_label)
    for frame in cross:
        rows += score_by_source(frame, evaluation=CROSS_SOURCE, pos_label=pos_label,
                                neg_label=neg_label, include_all=False)
    predictions = pd.concat(internal + cross, ignore_index=True)
    return SourceEvaluation(
        pd.DataFrame(rows), predictions, pos_label=pos_label, neg_label=neg_label,
        cv_description=description,
    )
