"""Leave-one-source-out evaluation: every source (or group of sources) held out in
turn, scored by a model trained without it, at a threshold fixed on the training
sources only."""

import time
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.utils._param_validation import (
    HasMethods, Interval, InvalidParameterError, validate_params)

from ..applicability import ApplicabilityWarning, find_gate
from ..metrics._classification import _estimator_positive_scores
from ._by_source import EstimatorParameterError, _check_fit_params, _validate_table
from ._holdout_report import HELD_OUT, INTERNAL_INNER, HoldoutEvaluation
from ._report import score_rows
from ._threshold import TARGET_SENSITIVITY, SensitivityThresholdClassifierCV, with_groups

_THRESHOLDS = ("predict", "target-sensitivity")


def _log(verbose, message):
    if verbose:
        print(f"[leave_one_source_out] {message}", flush=True)


def _check_eval_table(frame, columns, labels):
    for what, name in columns:
        if name not in frame.columns:
            raise ValueError(f"eval_table lacks column {name!r} ({what})")
        if frame[name].isna().any():
            raise ValueError(f"eval_table column {name!r} ({what}) has missing values")
    unknown = sorted(set(frame[columns[0][1]]) - labels, key=str)
    if unknown:
        raise ValueError(f"eval_table holds unknown label(s) {unknown}; expected {sorted(labels)}")


def _holdout_groups(holdout, sources):
    if holdout is None:
        return {s: [s] for s in sources}
    if isinstance(holdout, str):
        holdout = [holdout]
    if isinstance(holdout, dict):
        groups = {str(k): [v] if isinstance(v, str) else list(v) for k, v in holdout.items()}
    else:
        groups = {str(s): [s] for s in holdout}
    unknown = sorted({s for members in groups.values() for s in members} - set(sources), key=str)
    if unknown or not groups or any(not m for m in groups.values()):
        raise ValueError(f"holdout names unknown or empty source group(s) {unknown or groups}; "
                         f"sources are {sorted(sources, key=str)}")
    return groups


def _fit_clone(estimator, X, y, params, message):
    """A fitted clone; the estimator's own parameter errors are not blamed on us."""
    try:
        return clone(estimator).fit(X, y, **params)
    except InvalidParameterError as exc:
        # validate_params would rewrite the message to name leave_one_source_out
        raise EstimatorParameterError(
            f"{message}: {type(estimator).__name__} rejected a parameter: {exc}") from exc


def _thresholded(estimator, threshold, target, inner_cv, random_state):
    """The estimator LOSO fits: with ``"target-sensitivity"``, one that carries its threshold."""
    if threshold != "target-sensitivity":
        return estimator
    if isinstance(estimator, SensitivityThresholdClassifierCV):
        return estimator if target is None else clone(estimator).set_params(
            target_sensitivity=target)
    return SensitivityThresholdClassifierCV(
        estimator, target_sensitivity=TARGET_SENSITIVITY if target is None else target,
        cv=inner_cv, random_state=random_state)


def _run_fold(estimator, X, y, groups, train, tests, X_eval, fit_params, *, threshold,
              pos_label, neg_label, message, verbose):
    start = time.perf_counter()
    params = with_groups(estimator, fit_params(train), groups[train])
    fitted = _fit_clone(estimator, X.iloc[train], y[train], params, message)
    test = np.concatenate(tests)
    X_test = X_eval.iloc[test]
    with warnings.catch_warnings():
        # held-out sources are unfamiliar by design: the gate's verdicts are recorded below
        warnings.simplefilter("ignore", ApplicabilityWarning)
        score = _estimator_positive_scores(fitted, X_test, pos_label)
        if isinstance(fitted, SensitivityThresholdClassifierCV):
            cut = fitted.best_threshold_
        elif threshold == "predict":
            cut = None
            pred = np.asarray(fitted.predict(X_test), dtype=object)
        else:
            cut = threshold
    if cut is not None:  # the rule of SensitivityThresholdClassifierCV.predict
        pred = np.where(score >= cut, pos_label, neg_label).astype(object)
    gate = find_gate(fitted)
    unfamiliar = None if gate is None else ~gate.check(X_test)["familiar"].to_numpy(bool)
    oof = getattr(fitted, "oof_scores_", None)
    _log(verbose, f"{message} ({time.perf_counter() - start:.1f} s)")
    return cut, oof, score, pred, unfamiliar


@validate_params(
    {
        "estimator": [HasMethods(["fit", "predict"])],
        "table": [pd.DataFrame],
        "holdout": [str, dict, "array-like", None],
        "eval_table": [pd.DataFrame, None],
        "groups": [str], "source_column": [str], "label_column": [str],
        "path_column": [str, None], "pos_label": [str, Real],
        # a str or a number here; which strings (and no bool): the check below,
        # whose message lists the allowed names
        "threshold": [str, Real],
        "target_sensitivity": [Interval(Real, 0, 1, closed="right"), None],
        "inner_cv": [Interval(Integral, 2, None, closed="left")],
        "fit_params": [dict, callable, None],
        "random_state": ["random_state"], "n_jobs": [Integral, None], "verbose": ["verbose"],
    },
    # the estimator is fitted here: its own parameter checks must run
    prefer_skip_nested_validation=False,
)
def leave_one_source_out(
    estimator,
    table,
    *,
    holdout=None,
    eval_table=None,
    groups="patientid",
    source_column="source",
    label_column="label",
    path_column="path",
    pos_label="covid",
    threshold="target-sensitivity",
    target_sensitivity=None,
    inner_cv=5,
    fit_params=None,
    random_state=0,
    n_jobs=None,
    verbose=0,
):
    """Hold out every source in turn; score it with a model trained without it.

    For each held-out group (one source, or several named together): a clone
    of ``estimator`` is fitted on the rows of ``table`` from the *other*
    sources (and none of the held-out patients); the decision threshold is
    fixed on those training rows only (``threshold="target-sensitivity"``:
    the highest threshold whose sensitivity on an inner patient-grouped CV of
    the training rows reaches ``target_sensitivity``); the held-out rows are
    then scored once. Held-out groups with the same training rows share one
    fit. Numbers are labelled **internal** (inner CV on the training sources)
    or **held-out** (a source the model never saw). When the fitted model
    carries an applicability gate (:mod:`skcxr.applicability`), each held-out
    row also gets the share of its images the gate called unfamiliar.

    Parameters
    ----------
    estimator : classifier
        Unfitted classifier or pipeline with ``predict_proba`` (or
        ``decision_function``); cloned for every fit.
    table : pandas.DataFrame
        Training rows: columns ``path``, ``label``, ``patientid``, ``source``
        (names below), e.g. from :func:`skcxr.datasets.make_multisource_dataset`.
    holdout : None, list of str or dict, default=None
        ``None``: every source of ``table`` and ``eval_table`` alone; a list:
        those sources, each alone; ``{name: [sources]}``: groups held out
        together (one model for the group).
    eval_table : pandas.DataFrame, default=None
        Rows tested when their source is held out (default ``table``). Use it
        to test every image of a source while training on a sample of it, or
        to score recipes with different training tables on the same rows.
    groups, source_column, label_column : str
        Columns of patient ids, source names and labels.
    path_column : str or None, default="path"
        Column passed as ``X``; ``None`` passes the table less the label.
    pos_label : str, default="covid"
        The positive class.
    threshold : "target-sensitivity", "predict" or float, default="target-sensitivity"
        How held-out rows are labelled. ``"target-sensitivity"``: by the
        threshold the fitted model carries, set on an inner patient-grouped CV
        of its training rows; an estimator that already carries one (a
        :class:`SensitivityThresholdClassifierCV`, e.g. a recipe of
        :mod:`skcxr.pipeline`) is used as it is, any other is wrapped in one.
        ``"predict"``: the estimator's own ``predict``; a number:
        ``score >= threshold``.
    target_sensitivity : float or None, default=None
        Sensitivity the inner-CV threshold must reach on the training rows;
        ``None``: the estimator's own (a recipe's), else
        :data:`TARGET_SENSITIVITY`.
    inner_cv : int, default=5
        Folds of the inner ``StratifiedGroupKFold`` (by patient) of an
        estimator wrapped here.
    fit_params : dict or callable, default=None
        Row-aligned arrays of ``table`` (indexed per fit), or a callable
        ``f(train_table) -> dict`` (e.g. :func:`source_balanced_weights`
        wrapped for a pipeline step), called for every fit.
    random_state : int, default=0
        Seeds the inner folds.
    n_jobs : int or None, default=None
        Held-out groups fitted in parallel with joblib.
    verbose : int, default=0
        One line per fit when positive.

    Returns
    -------
    result : HoldoutEvaluation
        ``to_frame()``: one row per (evaluation, held-out group, source) with
        ``threshold``, ``sensitivity``, ``specificity``, ``roc_auc``;
        ``pairwise_auc()``: ROC AUC for every pair of a held-out source with
        positives and one with negatives; ``print(result)`` the report.

    Raises
    ------
    ValueError
        Missing columns or values, unknown held-out sources, a training set
        of one class, or a patient id shared by training and held-out rows.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skcxr.model_selection import leave_one_source_out
    >>> rng = np.random.default_rng(0)
    >>> table = pd.DataFrame({"x": rng.normal(size=80),
    ...     "label": np.tile(["covid", "non-covid"], 40),
    ...     "source": np.repeat(["a", "b", "c", "d"], 20)})
    >>> table["patientid"] = [f"p{i}" for i in range(80)]
    >>> table.loc[table.label == "covid", "x"] += 2
    >>> model = make_pipeline(make_column_transformer(("passthrough", ["x"])),
    ...                       LogisticRegression())
    >>> result = leave_one_source_out(model, table, path_column=None, inner_cv=3)
    >>> result.to_frame().query("evaluation == 'held-out'")["source"].tolist()
    ['a', 'b', 'c', 'd']
    """
    columns = [("labels", label_column), ("sources", source_column), ("groups", groups)]
    if path_column is not None:
        columns.append(("X", path_column))
    neg_label = _validate_table(table, columns, pos_label)
    eval_table = table if eval_table is None else eval_table
    if eval_table is not table:
        _check_eval_table(eval_table, columns, {pos_label, neg_label})
    if threshold not in _THRESHOLDS and not (isinstance(threshold, Real)
                                             and not isinstance(threshold, bool)):
        raise ValueError(f"threshold must be one of {_THRESHOLDS} or a number, got {threshold!r}")
    if callable(fit_params):
        make_params = lambda rows: dict(fit_params(table.iloc[rows]))  # noqa: E731
    else:
        checked = _check_fit_params(fit_params, len(table))
        make_params = lambda rows: {k: v[rows] for k, v in checked.items()}  # noqa: E731

    def as_X(frame):
        return frame[path_column] if path_column is not None else frame.drop(columns=label_column)

    X, X_eval = as_X(table), as_X(eval_table)
    y = table[label_column].to_numpy(dtype=object)
    y_eval = eval_table[label_column].to_numpy(dtype=object)
    pid = table[groups].to_numpy(dtype=object)
    pid_eval = eval_table[groups].to_numpy(dtype=object)
    src = table[source_column].to_numpy(dtype=object)
    src_eval = eval_table[source_column].to_numpy(dtype=object)
    sources = list(dict.fromkeys(list(src) + list(src_eval)))
    plan = _holdout_groups(holdout, sorted(sources, key=str))

    fits = {}  # training rows -> [(group name, [test rows per source])]
    for name, members in plan.items():
        tests = [np.flatnonzero(src_eval == s) for s in members]
        tests = [t for t in tests if t.size]
        if not tests:
            raise ValueError(f"held-out group {name!r} has no row in eval_table")
        held_pids = set(pid_eval[np.concatenate(tests)])
        train = np.flatnonzero(~np.isin(src, members) & ~np.isin(pid, list(held_pids)))
        shared = np.isin(pid[np.flatnonzero(~np.isin(src, members))], list(held_pids))
        if shared.any():
            raise ValueError(
                f"patient id(s) of held-out group {name!r} also appear in other sources, e.g. "
                f"{pid[np.flatnonzero(~np.isin(src, members))][shared][0]!r}; "
                "leave-one-source-out needs patient ids unique to one source")
        if len(set(y[train])) < 2:
            raise ValueError(f"holding out {name!r} leaves training rows of one class only "
                             f"({sorted(set(y[train]))})")
        fits.setdefault(tuple(train), []).append((name, members, tests))
    _log(verbose, f"{len(plan)} held-out group(s), {len(fits)} distinct training set(s)")
    jobs = []
    for train, entries in fits.items():
        train = np.asarray(train)
        tests = [t for _, _, ts in entries for t in ts]
        names = ", ".join(name for name, _, _ in entries)
        message = f"held out {names}: fit on {len(train)} rows, test on {sum(map(len, tests))}"
        jobs.append((train, entries, tests, message))
    model = _thresholded(estimator, threshold, target_sensitivity, inner_cv, random_state)
    outputs = Parallel(n_jobs=n_jobs)(
        delayed(_run_fold)(model, X, y, pid, train, tests, X_eval, make_params,
                           threshold=threshold, pos_label=pos_label, neg_label=neg_label,
                           message=message, verbose=verbose)
        for train, _, tests, message in jobs)

    rows, frames = [], []
    for (train, entries, tests, _), (cut, oof, score, pred, unfamiliar) in zip(jobs, outputs):
        names = [name for name, _, _ in entries]
        if oof is not None:
            inner_pred = np.where(oof >= cut, pos_label, neg_label).astype(object)
            for name in names:
                rows.append({"evaluation": INTERNAL_INNER, "holdout": name, "source": "training",
                             "threshold": cut, **score_rows(y[train], inner_pred, oof,
                                                            pos_label=pos_label,
                                                            neg_label=neg_label)})
        offset = 0
        for name, members, group_tests in entries:
            for test in group_tests:
                part = slice(offset, offset + len(test))
                offset += len(test)
                s = src_eval[test[0]]
                row = {"evaluation": HELD_OUT, "holdout": name, "source": s,
                       "threshold": cut, **score_rows(y_eval[test], pred[part], score[part],
                                                      pos_label=pos_label, neg_label=neg_label)}
                frame = {"holdout": name, "index": eval_table.index[test], "source": s,
                         "group": pid_eval[test], "y_true": y_eval[test], "y_pred": pred[part],
                         "y_score": score[part], "threshold": cut, "n_train": len(train)}
                if unfamiliar is not None:
                    row["unfamiliar"] = float(unfamiliar[part].mean())
                    frame["unfamiliar"] = unfamiliar[part]
                rows.append(row)
                frames.append(pd.DataFrame(frame))
    predictions = pd.concat(frames, ignore_index=True)
    wrapped = model if isinstance(model, SensitivityThresholdClassifierCV) else None
    return HoldoutEvaluation(
        pd.DataFrame(rows), predictions, pos_label=pos_label, neg_label=neg_label,
        threshold=threshold,
        target_sensitivity=None if wrapped is None else wrapped.target_sensitivity,
        inner_cv=None if wrapped is None else getattr(wrapped.cv, "n_splits", wrapped.cv))


@validate_params(
    {"table": [pd.DataFrame], "source_column": [str], "label_column": [str]},
    prefer_skip_nested_validation=True,
)
def source_balanced_weights(table, *, source_column="source", label_column="label"):
    """Per-row weights giving every (source, label) cell the same total weight.

    Each class gets half of the total weight, split equally among the sources
    that hold it, so a large source (or the COVID collection's many sites)
    does not dominate. Mean weight is one.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with a source and a label column.
    source_column, label_column : str
        Their names.

    Returns
    -------
    weights : numpy.ndarray of shape (n_rows,)
        One weight per row of the table.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcxr.model_selection import source_balanced_weights
    >>> t = pd.DataFrame({"source": ["a", "a", "a", "b", "c"],
    ...                   "label": ["covid", "covid", "non-covid", "non-covid", "non-covid"]})
    >>> source_balanced_weights(t).round(3).tolist()
    [1.25, 1.25, 0.833, 0.833, 0.833]
    """
    cell = table[source_column].astype(str) + "\0" + table[label_column].astype(str)
    size = cell.map(cell.value_counts())
    per_class = table.groupby(label_column)[source_column].transform("nunique")
    n_classes = table[label_column].nunique()
    weights = len(table) / (n_classes * per_class * size)
    return weights.to_numpy(dtype=float)
