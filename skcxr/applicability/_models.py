"""The gate's two scores, on feature rows (embedding + statistics).

* :func:`fit_chest_model` / :func:`chest_scores`: a balanced logistic
  regression of the training X-rays against counter-examples; the probability
  that an image is a frontal chest X-ray.
* :func:`fit_novelty` / :func:`novelty_scores`: the mean distance of an image
  to its nearest training images (standardised, PCA-reduced features), divided
  by the distance below which ``1 - rate`` of the training images' held-out
  folds fall, per training source: a score above 1 means farther from every
  source than nearly all of that source's own unseen images.
"""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import pairwise_distances
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._features import STATISTICS

#: Statistics that do not depend on an image's pixel size or file: the chest
#: model uses only these, since its counter-examples are made at the gate's size.
SHAPE_FREE = tuple(i for i, name in enumerate(STATISTICS) if name not in
                   ("log_height", "log_width", "grey_levels", "fine_noise",
                    "black_share", "white_share"))


def chest_columns(n_embedding):
    """Columns of a feature row the chest model reads."""
    return np.r_[np.arange(n_embedding), n_embedding + np.asarray(SHAPE_FREE)]


def fit_chest_model(positives, negatives, n_embedding, C, random_state):
    """A scaler + balanced logistic regression: chest X-ray (1) against not (0)."""
    cols = chest_columns(n_embedding)
    X = np.vstack([positives[:, cols], negatives[:, cols]])
    y = np.r_[np.ones(len(positives)), np.zeros(len(negatives))].astype(int)
    model = make_pipeline(
        StandardScaler(),
        LogisticRegression(C=C, class_weight="balanced", max_iter=3000, random_state=random_state))
    return model.fit(X, y)


def chest_scores(model, features, n_embedding):
    """Probability of being a frontal chest X-ray, per feature row."""
    return model.predict_proba(features[:, chest_columns(n_embedding)])[:, 1]


def _mean_knn_distance(reference, query, k):
    k = min(k, len(reference))
    out = np.empty(len(query), dtype=np.float64)
    for start in range(0, len(query), 512):
        d = pairwise_distances(query[start:start + 512], reference)
        out[start:start + 512] = np.partition(d, k - 1, axis=1)[:, :k].mean(axis=1)
    return out


def _held_out_threshold(reference, rows, groups, k, rate, n_splits):
    """The ``1 - rate`` quantile of the held-out distances of ``rows`` (None: < 2 groups)."""
    splits = min(n_splits, len(np.unique(groups[rows])))
    if splits < 2:
        return None
    held_out = np.empty(len(rows))
    for fit_rows, test_rows in GroupKFold(splits).split(rows, groups=groups[rows]):
        held_out[test_rows] = _mean_knn_distance(reference[rows[fit_rows]],
                                                 reference[rows[test_rows]], k)
    return max(float(np.quantile(held_out, 1 - rate)), 1e-12)


def fit_novelty(features, sources, groups, n_components, k, rate, n_splits, random_state,
                blocks=None):
    """Reference points and per-source thresholds of :func:`novelty_scores`.

    ``blocks`` (widths of consecutive column blocks, e.g. one per embedding
    layer and one for the statistics) gives each block the same weight after
    standardising: its columns are divided by the square root of its width.
    A source with fewer than two patient groups gets the threshold of all
    sources pooled (infinite when even those are one group).

    Returns
    -------
    projection : sklearn Pipeline (StandardScaler, PCA)
    reference : ndarray (n, n_components) float32
    reference_source : ndarray (n,) int, index into ``thresholds``
    thresholds : ndarray (n_sources,) float64
    """
    n_components = int(min(n_components, features.shape[1], len(features) - 1))
    scaler = StandardScaler().fit(features)
    if blocks is not None:  # equal weight per block, folded into the scale
        scaler.scale_ = scaler.scale_ * np.concatenate(
            [np.full(int(w), np.sqrt(w)) for w in blocks])
    projection = make_pipeline(scaler, PCA(n_components, random_state=random_state))
    reference = projection[1].fit_transform(scaler.transform(features)).astype(np.float32)
    groups = np.asarray(groups)
    names, codes = np.unique(np.asarray(sources).astype(str), return_inverse=True)
    pooled = _held_out_threshold(reference, np.arange(len(reference)), groups, k, rate, n_splits)
    thresholds = np.empty(len(names))
    for s in range(len(names)):
        own = _held_out_threshold(reference, np.flatnonzero(codes == s), groups, k, rate, n_splits)
        thresholds[s] = own if own is not None else (pooled if pooled is not None else np.inf)
    return projection, reference, codes.astype(np.int32), thresholds


def novelty_scores(projection, reference, reference_source, thresholds, features, k):
    """Per row: min over sources of (distance to that source / its threshold)."""
    query = projection.transform(features).astype(np.float32)
    scores = np.full(len(query), np.inf)
    for s, threshold in enumerate(thresholds):
        ref = reference[reference_source == s]
        if len(ref):
            scores = np.minimum(scores, _mean_knn_distance(ref, query, k) / threshold)
    return scores


def batch_outliers(projection, reference, features, k, alpha):
    """Images whose neighbours are mostly the batch's own images, not training images.

    For each image, its ``k`` nearest neighbours among the training images and
    the batch's other images are counted; were the batch drawn like the
    training images, the count of batch neighbours would follow a binomial
    law with ``p = (n_batch - 1) / (n_batch - 1 + n_train)``. An image whose
    count is that improbable (upper tail below ``alpha``) *and* has no
    training image at all among its ``k`` nearest sits in a cluster the
    training images do not reach: a source the model has not seen. (The
    second condition lets a source go once some of its images are in
    training: a large batch of it would otherwise still outnumber them.)
    Batches of fewer than two images are never flagged.
    """
    from scipy.stats import binom

    n_batch, n_train = len(features), len(reference)
    flags = np.zeros(n_batch, dtype=bool)
    if n_batch < 2:
        return flags
    query = projection.transform(features).astype(np.float32)
    k = int(min(k, n_train + n_batch - 1))
    p = (n_batch - 1) / (n_batch - 1 + n_train)
    for start in range(0, n_batch, 512):
        block = query[start:start + 512]
        d = np.hstack([pairwise_distances(block, reference), pairwise_distances(block, query)])
        d[np.arange(len(block)), n_train + start + np.arange(len(block))] = np.inf  # itself
        nearest = np.argpartition(d, k - 1, axis=1)[:, :k]
        count = (nearest >= n_train).sum(axis=1)
        # improbable under the global mix AND no training image among the k nearest:
        # a source whose images are in training keeps some among them
        flags[start:start + 512] = (binom.sf(count - 1, k, p) < alpha) & (count == k)
    return flags
