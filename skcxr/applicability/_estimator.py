"""ApplicabilityGate: the estimator behind :func:`skcxr.applicability.check_images`."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from ..preprocessing import ImageReadError
from ..utils._parallel import N_JOBS_CONSTRAINT
from ..utils._paths import as_path_list
from ._features import STATISTICS, describe_files, embed, square_statistics
from ._models import batch_outliers, chest_scores, fit_chest_model, fit_novelty, novelty_scores
from ._negatives import library_images, transformed_radiographs

#: The columns of a gate report, in order.
REPORT_COLUMNS = ["path", "chest_xray", "familiar", "reason"]
#: Layers of ImageNet MobileNetV2 the default embedder pools (global average):
#: low-level texture (acquisition) up to the last map (content).
DEFAULT_LAYERS = ("block_3_expand_relu", "block_6_expand_relu", "block_13_expand_relu", "out_relu")
_CHUNK = 256  # images decoded and embedded at a time: bounded memory on any folder


class ApplicabilityGate(BaseEstimator):
    """Say per image whether skcxr should judge it: a frontal chest X-ray, from a familiar source.

    Fitted on a model's training images. Each image is decoded once by
    :func:`skcxr.preprocessing.read_image` (DICOM too), fitted into a
    ``size`` square and embedded by a frozen ImageNet network
    (:class:`skcxr.features.XRayEmbedder`, features cached per image in this
    process), beside statistics of its geometry, grey levels, colour,
    left-right symmetry and noise. Two questions are answered:

    * ``chest_xray``: a balanced logistic regression of the training images
      against counter-examples that need no data set (the photographs, pages,
      textures and phantom scikit-image ships, and training images changed into
      close-ups, panoramic strips, discs on black, negatives, quarter turns,
      half-chests, false colour and figure panels), plus any ``negatives``
      you pass. An image passes when its probability is at least
      ``chest_threshold``.
    * ``familiar``: how far the image lies from its ``n_neighbors`` nearest
      training images of each source, in units of the distance that ``1 -
      unfamiliar_rate`` of that source's own held-out images (patient-grouped
      folds) stay within, and, for a batch, whether its nearest images are
      the batch's own far more often than chance (a folder from a new
      scanner clusters on its own). An image is familiar when it is close to
      at least one training source and not part of such a cluster.

    Parameters
    ----------
    embedder : XRayEmbedder or None, default=None
        The frozen network (cloned). None: ImageNet MobileNetV2 (weights from
        ``$SKCXR_WEIGHTS``, see :func:`skcxr.architectures.resolve_weights`),
        the layers of :data:`DEFAULT_LAYERS`, average-pooled.
    size : int, default=224
        Side of the square each image is fitted into (padded with black) for
        the embedding.
    negatives : list of paths, DataFrame with a ``path`` column or None, default=None
        Your own images that must not pass as chest X-rays (e.g. the other
        kinds of study your scanner sends), added to the counter-examples.
    n_synthetic : int, default=400
        Counter-examples made from the training images.
    unfamiliar_rate : float, default=0.03
        Share of each training source's held-out images the familiarity
        threshold leaves outside: the rate at which images like the training
        ones are called unfamiliar.
    n_neighbors : int, default=5
        Neighbours whose mean distance is the novelty distance.
    n_components : int, default=32
        PCA components of the standardised features the distances use.
    C : float, default=0.1
        Inverse regularisation of the chest model's logistic regression.
    chest_threshold : float, default=0.98
        Probability of the chest model below which an image is not a chest
        X-ray (high: lateral views resemble frontal ones; 0.98 flags about
        2 % of the training sources' unseen frontal films, see
        :ref:`applicability`).
    batch_neighbors : int, default=20
        Neighbours of the batch test of ``check``: an image whose
        ``batch_neighbors`` nearest images (training and the rest of the
        batch) are improbably many of the batch's own is from a source unlike
        the training ones.
    batch_alpha : float, default=1e-5
        Binomial upper-tail probability below which the batch test flags.
    cv : int, default=5
        Patient-grouped folds per source that calibrate the familiarity thresholds.
    path_column : str, default="path"
        Column of the paths when ``X`` is a DataFrame. Its ``patientid``
        column (if any) groups the folds, its ``source`` column (if any) gives
        each source its own threshold.
    n_jobs : int or None, default=None
        Decoding threads (see :class:`skcxr.XRayLoader`).
    random_state : int, RandomState instance or None, default=None
        Draws the made counter-examples.

    Attributes
    ----------
    chest_model_ : sklearn.pipeline.Pipeline
        StandardScaler + LogisticRegression, chest X-ray (1) or not (0).
    projection_ : sklearn.pipeline.Pipeline
        StandardScaler + PCA of the features for the novelty distances.
    reference_ : ndarray of shape (n_train, n_components), float32
        The training images, projected.
    reference_source_ : ndarray of shape (n_train,), int
        Index into ``sources_`` of each reference row.
    sources_ : ndarray of str
        The training sources (``["all"]`` without a ``source`` column).
    thresholds_ : ndarray of shape (n_sources,)
        Novelty distance of each source below which its held-out images fall.
    embedder_ : XRayEmbedder
        The fitted embedder (a clone of ``embedder``); a saved gate carries
        its backbone's weights in it, so it checks images without the
        weights file or network.
    n_embedding_ : int
        Length of the embedding part of a feature row.
    n_negatives_ : int
        Counter-examples the chest model was fitted on.

    See Also
    --------
    check_images : The report of the gate a fitted model carries.

    Examples
    --------
    >>> import tempfile
    >>> from skcxr.applicability import ApplicabilityGate
    >>> from skcxr.datasets import make_synthetic_cxr
    >>> table = make_synthetic_cxr(40, tempfile.mkdtemp(), image_size=64, random_state=0)
    >>> gate = ApplicabilityGate(random_state=0).fit(table)  # doctest: +SKIP
    >>> gate.check(table.path[:2]).columns.tolist()  # doctest: +SKIP
    ['path', 'chest_xray', 'familiar', 'reason']
    """

    _parameter_constraints = {
        "embedder": [HasMethods(["fit", "transform"]), None],
        "size": [Interval(Integral, 32, None, closed="left")],
        "negatives": ["array-like", None],
        "n_synthetic": [Interval(Integral, 0, None, closed="left")],
        "unfamiliar_rate": [Interval(Real, 0, 0.5, closed="neither")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "C": [Interval(Real, 0, None, closed="neither")],
        "chest_threshold": [Interval(Real, 0, 1, closed="neither")],
        "batch_neighbors": [Interval(Integral, 1, None, closed="left")],
        "batch_alpha": [Interval(Real, 0, 1, closed="neither")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "path_column": [str],
        "n_jobs": N_JOBS_CONSTRAINT,
        "random_state": ["random_state"],
    }

    def __init__(self, embedder=None, size=224, negatives=None, n_synthetic=400,
                 unfamiliar_rate=0.03, n_neighbors=5, n_components=32, C=0.1,
                 chest_threshold=0.98, batch_neighbors=20, batch_alpha=1e-5, cv=5,
                 path_column="path", n_jobs=None, random_state=None):
        self.embedder = embedder
        self.size = size
        self.negatives = negatives
        self.n_synthetic = n_synthetic
        self.unfamiliar_rate = unfamiliar_rate
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.C = C
        self.chest_threshold = chest_threshold
        self.batch_neighbors = batch_neighbors
        self.batch_alpha = batch_alpha
        self.cv = cv
        self.path_column = path_column
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------ features
    def _embedder(self):
        if self.embedder is not None:
            return clone(self.embedder)
        from ..features import XRayEmbedder

        return XRayEmbedder(layer=list(DEFAULT_LAYERS), pooling="avg")

    def _fit_embedder(self):
        # fitted once and kept: pickled / skops-saved, it carries its backbone's weights,
        # so a loaded gate checks images without $SKCXR_WEIGHTS or network
        self.embedder_ = self._embedder().fit(np.zeros((1, self.size, self.size, 3), np.uint8))

    def _fitted_embedder(self):
        """``embedder_`` (fitted in fit: a saved gate carries its weights), else a new one."""
        embedder = getattr(self, "embedder_", None)  # None: a gate saved before skcxr 0.2
        return embedder if embedder is not None else self._embedder()

    def _features(self, paths, keep=()):
        """Feature rows of the readable paths, reasons per path, kept squares."""
        embedder, keep = self._fitted_embedder(), set(keep)
        rows, reasons, kept = [], [], {}
        for start in range(0, len(paths), _CHUNK):
            squares, stats, chunk_reasons = describe_files(
                paths[start:start + _CHUNK], self.size, n_jobs=self.n_jobs)
            if len(squares):
                rows.append(np.hstack([embed(squares, embedder), stats]))
            readable = [start + i for i, r in enumerate(chunk_reasons) if not r]
            kept.update({i: squares[j] for j, i in enumerate(readable) if i in keep})
            reasons += chunk_reasons
        features = np.vstack(rows).astype(np.float32) if rows else None
        return features, reasons, kept

    def _blocks(self):
        """Widths of the embedding's layers, then of the statistics (equal weights)."""
        from itertools import groupby

        names = [name.rsplit("_", 1)[0] for name in self.embedder_.get_feature_names_out()]
        return [len(list(g)) for _, g in groupby(names)] + [len(STATISTICS)]

    def _made_features(self, squares):
        return np.hstack([embed(squares, self._fitted_embedder()), square_statistics(squares)])

    # ------------------------------------------------------------ sklearn
    def fit(self, X, y=None):
        """Learn the training images (``X``) and the counter-examples.

        Parameters
        ----------
        X : list of str / os.PathLike, or DataFrame
            The training images (what :class:`skcxr.XRayLoader` takes). A
            table's ``patientid`` and ``source`` columns are used when present.
        y : None
            Ignored; the gate learns no labels.

        Returns
        -------
        self : ApplicabilityGate
            The fitted gate.
        """
        self._validate_params()
        paths = as_path_list(X, self.path_column, "ApplicabilityGate")
        table = X if hasattr(X, "columns") else None
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        bases = rng.choice(len(paths), size=min(self.n_synthetic, len(paths)), replace=False) \
            if self.n_synthetic else np.array([], dtype=int)
        self._fit_embedder()
        features, reasons, kept = self._features(paths, keep=bases)
        _raise_unreadable(reasons, paths, "training image")
        self.n_embedding_ = features.shape[1] - len(STATISTICS)
        negatives = [self._made_features(library_images(self.size, seed))]
        if len(bases):
            squares = np.stack([kept[i] for i in bases])
            negatives.append(self._made_features(
                transformed_radiographs(squares, self.n_synthetic, self.size, seed)))
        if self.negatives is not None:
            neg_paths = as_path_list(self.negatives, self.path_column, "ApplicabilityGate")
            own, neg_reasons, _ = self._features(neg_paths)
            _raise_unreadable(neg_reasons, neg_paths, "negative")
            negatives.append(own)
        negatives = np.vstack(negatives)
        self.n_negatives_ = len(negatives)
        self._fit_features(features, negatives, _column(table, "source", len(paths), "all"),
                           _column(table, "patientid", len(paths), None), seed)
        return self

    def _fit_features(self, features, negatives, sources, groups, seed):
        """Fit both models on ready feature rows (also used by the benchmark)."""
        if getattr(self, "embedder_", None) is None:
            self._fit_embedder()
        self.n_embedding_ = features.shape[1] - len(STATISTICS)
        self.chest_model_ = fit_chest_model(features, negatives, self.n_embedding_, self.C, seed)
        self.projection_, self.reference_, self.reference_source_, self.thresholds_ = fit_novelty(
            features, sources, groups, self.n_components, self.n_neighbors,
            self.unfamiliar_rate, self.cv, seed, blocks=self._blocks())
        self.sources_ = np.unique(np.asarray(sources).astype(str))
        return self

    def _scores(self, features):
        """``(chest probability, novelty, batch outlier)`` per feature row."""
        chest = chest_scores(self.chest_model_, features, self.n_embedding_)
        novelty = novelty_scores(self.projection_, self.reference_, self.reference_source_,
                                 self.thresholds_, features, self.n_neighbors)
        batch = batch_outliers(self.projection_, self.reference_, features,
                               self.batch_neighbors, self.batch_alpha)
        return chest, novelty, batch

    def check(self, X):
        """Report per image: frontal chest X-ray? familiar source? why not?

        Parameters
        ----------
        X : list of str / os.PathLike, or DataFrame
            The images (what :class:`skcxr.XRayLoader` takes).

        Returns
        -------
        report : pandas.DataFrame
            One row per image, in order: ``path`` (str), ``chest_xray``
            (bool), ``familiar`` (bool), ``reason`` (str, empty when both
            pass). A file that cannot be read gives ``chest_xray=False``,
            ``familiar=False`` and a reason beginning ``"unreadable: "``.
        """
        check_is_fitted(self, "chest_model_")
        paths = as_path_list(X, self.path_column, "ApplicabilityGate")
        features, reasons, _ = self._features(paths)
        readable = np.array([not r for r in reasons])
        chest = np.zeros(len(paths), bool)
        familiar = np.zeros(len(paths), bool)
        reasons = list(reasons)
        if features is not None:
            p, novelty, batch = self._scores(features)
            chest[readable] = p >= self.chest_threshold
            familiar[readable] = (novelty <= 1) & ~batch
            for i, pi, ni, bi in zip(np.flatnonzero(readable), p, novelty, batch):
                parts = []
                if pi < self.chest_threshold:
                    parts.append(f"not a frontal chest X-ray (chest score {pi:.2f} < "
                                 f"{self.chest_threshold:.2f})")
                if ni > 1:
                    parts.append(f"unlike the training images (novelty {ni:.2f} > 1)")
                if bi:
                    parts.append("a source unlike the training ones (its nearest images are "
                                 "others of this batch, not training images)")
                reasons[i] = "; ".join(parts)
        return pd.DataFrame({"path": [str(p) for p in paths], "chest_xray": chest,
                             "familiar": familiar, "reason": reasons}, columns=REPORT_COLUMNS)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.one_d_array = True
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.non_deterministic = False
        return tags


def _column(table, name, n, default):
    if table is not None and name in table.columns:
        return np.asarray(table[name].astype(str))
    if default is None:  # groups: every image its own patient
        return np.arange(n).astype(str)
    return np.full(n, default, dtype=object)


def _raise_unreadable(reasons, paths, what):
    bad = [(p, r) for p, r in zip(paths, reasons) if r]
    if bad:
        shown = "; ".join(f"{p}: {r}" for p, r in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise ImageReadError(f"{len(bad)} {what}(s) cannot be read: {shown}{more}; "
                             "fix or remove them before fitting the gate")


