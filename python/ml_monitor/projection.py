"""UMAP maps of each class's inputs, and a domain-classifier drift score per class and window.

Vectors are what the model sees: the configured embedding column, or else the raw text
through the model's own feature steps (every step of a scikit-learn Pipeline but the last,
e.g. TF-IDF).

The reference rows are the holdout split's, and a row's class is the class the model
predicted for it on both sides: the serving log's predicted_class, and the predicted_class
the holdout split carries. Not the training split: a feature pipeline fitted on the
training texts knows every word they use (TF-IDF's vocabulary), while new texts, in the
holdout split as in serving, carry words it never saw. Not the reference label: the rows
the model predicts as c include other classes' rows it gets wrong, which labelled-c rows
lack. Either way an undrifted serving window would score well above 0.5 (0.6 for the
demo's smallest class).

Per class, UMAP is fitted on the reference sample and each serving window is placed into
that map, so every point sits in the reference's coordinates. Distances are
cosine distances computed once with scikit-learn and handed to UMAP as precomputed: UMAP's
own exact path for small data calls its metric once per pair from Python (about 30 s for
2000 rows) and its approximate path compiles a new search function for every fitted
index. Precomputed distances work for sparse TF-IDF and dense embeddings alike, and need
no SVD: memory is bounded by the sample sizes (reference² + window × reference doubles).

The drift score of a (class, window) is the cross-validated ROC AUC of a logistic
regression telling the window's serving vectors from the reference vectors: 0.5 when the
two are indistinguishable, 1.0 when every serving row is recognisably new. It sees the
full vectors, not the 2-d map, so a drift the map squeezes together still counts.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import scipy.sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import cosine_distances
from sklearn.model_selection import PredefinedSplit, cross_val_score
from sklearn.pipeline import Pipeline

from . import names, samples
from .config import Project
from .errors import MonitorError
from .warehouse import Warehouse

Vectorize = Callable[[pd.DataFrame], object]  # sample rows -> a matrix, one row each (dense or sparse)

MAX_REFERENCE = 4095  # UMAP can place new points only into a precomputed map of < 4096 rows
MIN_REFERENCE = 20  # fewer reference rows of a class: no map and no drift score
N_NEIGHBORS = 15
# Undrifted demo windows score 0.43-0.55 (500 rows against up to 2000), drifted ones 0.80+:
# 0.6 leaves room for the sampling noise of small windows.
DRIFT_THRESHOLD = 0.6
GRAIN = {"hour": pd.Timedelta(hours=1), "day": pd.Timedelta(days=1), "week": pd.Timedelta(weeks=1)}
WINDOW_EPOCH = pd.Timestamp("1970-01-05")  # a Monday: weekly windows are ISO weeks

PROJECTION_COLUMNS = ["sample_id", "source", "class", "bucket_start", "x", "y"]
DRIFT_COLUMNS = ["class", "window", "window_start", "n_reference", "n_serving", "domain_auc", "threshold", "is_drift"]


def text_vectors(model, column: str = "input") -> Vectorize:
    """The model's own features of a text column: all steps of its Pipeline but the last."""
    if not isinstance(model, Pipeline) or len(model.steps) < 2:
        raise MonitorError(
            "projecting text needs a scikit-learn Pipeline whose steps before the classifier turn "
            "text into features (or set ml_monitor_embedding_column)"
        )
    features = model[:-1]
    return lambda rows: features.transform(rows[column].astype(str).tolist())


def embedding_vectors(column: str = "input") -> Vectorize:
    """An embedding column (one array of doubles per row) as a matrix."""

    def vectorize(rows: pd.DataFrame) -> np.ndarray:
        lengths = rows[column].map(len)
        if lengths.nunique() > 1:
            raise MonitorError(f"embeddings of different lengths ({sorted(lengths.unique())[:5]}) in column {column}")
        return np.vstack([np.asarray(v, dtype=float) for v in rows[column]]) if len(rows) else np.empty((0, 0))

    return vectorize


def window_starts(bucket_start: pd.Series, length: pd.Timedelta) -> pd.Series:
    """The start of each bucket's window: windows of `length` counted from a fixed Monday,
    so a window keeps its start (and label) from one run to the next."""
    return WINDOW_EPOCH + ((pd.to_datetime(bucket_start) - WINDOW_EPOCH) // length) * length


def window_label(start: pd.Timestamp) -> str:
    return start.strftime("%Y-%m-%d" if start == start.normalize() else "%Y-%m-%d %H:%M")


def domain_auc(reference, serving, folds: int = 5, seed: int = 0) -> float:
    """Cross-validated ROC AUC of a classifier telling serving vectors from reference ones.

    Stratified folds, shuffled with the seed, mean over folds. Identical vectors always
    share a fold: a log often repeats an input (templates, retries), and a repeat seen in
    training would be scored by recognition, not by drift. NaN when either side has fewer
    distinct vectors than folds.
    """
    x = _stack([reference, serving])
    y = np.r_[np.zeros(reference.shape[0]), np.ones(serving.shape[0])]
    groups = _duplicate_groups(x)
    if min(len(np.unique(groups[y == side])) for side in (0, 1)) < folds:
        return math.nan
    # liblinear: twice as fast as lbfgs on sparse TF-IDF, the same scores
    classifier = LogisticRegression(solver="liblinear", class_weight="balanced", random_state=seed)
    cv = PredefinedSplit(_group_folds(groups, y, folds, seed))
    return float(cross_val_score(classifier, x, y, cv=cv, scoring="roc_auc").mean())


def _stack(blocks):
    if any(scipy.sparse.issparse(block) for block in blocks):
        return scipy.sparse.vstack(blocks, format="csr")
    return np.vstack(blocks)


def _group_folds(groups: np.ndarray, y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """A fold per row: each side's distinct vectors dealt round-robin over the folds in a
    seeded random order, so identical vectors share a fold and every fold has both sides.
    (scikit-learn's StratifiedGroupKFold does the same in pure Python loops: 40x slower.)"""
    rng = np.random.default_rng(seed)
    fold_of_group = np.empty(groups.max() + 1, dtype=int)
    for side in (0, 1):
        ids = rng.permutation(np.unique(groups[y == side]))
        fold_of_group[ids] = np.arange(len(ids)) % folds
    return fold_of_group[groups]


def _duplicate_groups(x) -> np.ndarray:
    """One id per distinct row of a dense or CSR matrix."""
    if scipy.sparse.issparse(x):
        x = x.tocsr(copy=True)
        x.sum_duplicates()  # canonical form: sorted indices, so equal rows have equal bytes
        rows = [x.indices[a:b].tobytes() + x.data[a:b].tobytes() for a, b in zip(x.indptr[:-1], x.indptr[1:])]
    else:
        rows = [row.tobytes() for row in np.ascontiguousarray(x, dtype=float)]
    return pd.factorize(pd.Series(rows, dtype=object))[0]


def fit_map(reference, seed: int = 0):
    """A 2-d UMAP map of the reference vectors (cosine distances, fixed seed).

    With a seed UMAP runs single-threaded; the samples are small enough for that.
    """
    import umap  # first import JIT-compiles for ~30 s: only when a map is made

    neighbors = min(N_NEIGHBORS, reference.shape[0] - 1)
    # 200 epochs (UMAP's choice for large data) instead of 500 for small: a third of the
    # time, and a 2-d map of a few thousand points has settled by then
    mapper = umap.UMAP(
        n_neighbors=neighbors, n_epochs=200, metric="precomputed", random_state=seed, transform_seed=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by random_state", "precomputed metric"
        mapper.fit(cosine_distances(reference))
    return mapper


def place(mapper, reference, vectors) -> np.ndarray:
    """Coordinates of new vectors in a map fitted on `reference`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mapper.transform(cosine_distances(vectors, reference))


def project_samples(
    reference: pd.DataFrame,
    serving: pd.DataFrame,
    vectorize: Vectorize,
    *,
    threshold: float = DRIFT_THRESHOLD,
    folds: int = 5,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map and score every class; returns (projection, drift) frames.

    reference: sample_id, class and the input column `vectorize` reads.
    serving: the same plus bucket_start and window_start.
    progress(done, total) is called after each class.
    """
    if reference.empty:
        raise MonitorError("no reference rows to fit the maps on")
    if reference["class"].value_counts().max() > MAX_REFERENCE:
        raise MonitorError(
            f"at most {MAX_REFERENCE} reference rows per class can be mapped: "
            "UMAP places new points only into maps of fewer than 4096 precomputed rows (lower sample_size)"
        )
    classes = sorted(set(reference["class"]) | set(serving["class"]))
    maps, scores = [], []
    for done, cls in enumerate(classes, 1):
        class_map, class_scores = _project_class(
            reference[reference["class"] == cls], serving[serving["class"] == cls], vectorize, folds, seed
        )
        maps.append(class_map.assign(**{"class": cls}))
        scores.append(class_scores.assign(**{"class": cls}))
        if progress:
            progress(done, len(classes))
    projection = pd.concat(maps, ignore_index=True)
    drift = pd.concat(scores, ignore_index=True)
    drift["threshold"] = threshold
    # no score (too few rows) is no verdict: NULL, not False
    drift["is_drift"] = (drift["domain_auc"] > threshold).astype("boolean").mask(drift["domain_auc"].isna())
    return projection.reindex(columns=PROJECTION_COLUMNS), drift.reindex(columns=DRIFT_COLUMNS)


def _project_class(reference: pd.DataFrame, serving: pd.DataFrame, vectorize: Vectorize, folds: int, seed: int):
    """One class: its map rows (reference, then serving window by window) and drift rows."""
    mappable = len(reference) >= MIN_REFERENCE
    ref_vectors = vectorize(reference) if mappable else None
    maps, scores = [], []
    if mappable:
        mapper = fit_map(ref_vectors, seed)
        maps.append(_map_rows(reference, "reference", mapper.embedding_))
    for start, window in serving.groupby("window_start", sort=True):
        auc = math.nan
        if mappable:
            vectors = vectorize(window)
            maps.append(_map_rows(window, "serving", place(mapper, ref_vectors, vectors)))
            auc = domain_auc(ref_vectors, vectors, folds, seed)
        scores.append(
            {
                "window": window_label(start),
                "window_start": start,
                "n_reference": len(reference),
                "n_serving": len(window),
                "domain_auc": auc,
            }
        )
    map_frame = pd.concat(maps, ignore_index=True) if maps else pd.DataFrame(columns=PROJECTION_COLUMNS)
    return map_frame, pd.DataFrame(scores, columns=["window", "window_start", "n_reference", "n_serving", "domain_auc"])


def _map_rows(rows: pd.DataFrame, source: str, xy: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sample_id": rows["sample_id"].to_numpy(),
            "source": source,
            "bucket_start": pd.to_datetime(rows["bucket_start"]).to_numpy() if "bucket_start" in rows else pd.NaT,
            "x": xy[:, 0],
            "y": xy[:, 1],
        }
    )


def run(
    warehouse: Warehouse,
    project: Project,
    model=None,
    *,
    model_id: str | None = None,
    sample_size: int = 2000,
    window_sample_size: int = 500,
    window_buckets: int | None = None,
    max_windows: int = 12,
    threshold: float = DRIFT_THRESHOLD,
    split: str | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sample, map and score, and write ml_monitor_embedding_projection and _drift.

    sample_size: reference rows per class (at most 4095). window_sample_size: serving rows
    per class and window, taken evenly from the window's buckets (ceil(size / buckets) per
    bucket). window_buckets: buckets per window (default: a week of the time grain).
    max_windows: the most recent windows scored. split: the reference split, whose rows
    must carry predicted_class (default: the holdout split). model: the loaded model,
    needed only when vectors come from text. Returns the two frames written.
    """
    column, vectorize, key = _inputs(project, model)
    window_buckets, length = windowing(project, window_buckets)
    model_id = samples.resolve_model_id(warehouse, names.PREDICTIONS, model_id)
    split = split or project.var("ml_monitor_holdout_split")
    q = warehouse.quote
    reference = samples.sample(
        warehouse,
        names.REFERENCE,
        {"sample_id": "prediction_id", "class": "predicted_class", "input": column},
        per_group=sample_size,
        group_by=["predicted_class"],
        key=key,
        seed=seed,
        where=[
            (
                f"{q('model_id')} = ? and {q('split')} = ? and {q('predicted_class')} is not null"
                f" and {q(column)} is not null",
                [model_id, split],
            )
        ],
    )
    if reference.empty:
        raise MonitorError(f"no rows of split '{split}' with a predicted_class and {column} for model '{model_id}'")
    valid = (f"{q('model_id')} = ? and {q('exclusion_reason')} is null and {q(column)} is not null", [model_id])
    latest = warehouse.query(
        f"select max({q('bucket_start')}) as latest from {warehouse.relation(names.PREDICTIONS)} where {valid[0]}",
        valid[1],
    )["latest"].iloc[0]
    if pd.isna(latest):
        raise MonitorError(f"no valid serving rows with {column} for model '{model_id}'")
    since = window_starts(pd.Series([latest]), length).iloc[0] - (max_windows - 1) * length
    serving = samples.sample(
        warehouse,
        names.PREDICTIONS,
        {"sample_id": "prediction_id", "class": "predicted_class", "bucket_start": "bucket_start", "input": column},
        per_group=math.ceil(window_sample_size / window_buckets),
        group_by=["predicted_class", "bucket_start"],
        key=key,
        seed=seed,
        where=[valid, (f"{q('bucket_start')} >= ?", [since.to_pydatetime()])],
    )
    serving["window_start"] = window_starts(serving["bucket_start"], length)
    projection, drift = project_samples(
        reference, serving, vectorize, threshold=threshold, seed=seed, progress=progress
    )
    with warehouse.atomic():
        samples.write_model_rows(warehouse, names.EMBEDDING_PROJECTION, projection, model_id)
        samples.write_model_rows(warehouse, names.EMBEDDING_DRIFT, drift, model_id)
    return projection, drift


def _inputs(project: Project, model) -> tuple[str, Vectorize, list[str]]:
    """The column the vectors come from, how, and the sampling key (the text joins the
    key because reference rows may have no prediction_id)."""
    embedding = project.var("ml_monitor_embedding_column")
    text = project.var("ml_monitor_text_column")
    if embedding:
        return embedding, embedding_vectors(), ["prediction_id"]
    if not text:
        raise MonitorError("projection needs ml_monitor_embedding_column or ml_monitor_text_column")
    if model is None:
        raise MonitorError("projecting text needs the model (--model): its feature steps turn text into vectors")
    return text, text_vectors(model), ["prediction_id", text]


def windowing(project: Project, window_buckets: int | None) -> tuple[int, pd.Timedelta]:
    """Buckets per window (default: a week's worth) and the window's length."""
    grain = GRAIN.get(project.var("ml_monitor_time_grain"))
    if grain is None:
        raise MonitorError(f"unknown ml_monitor_time_grain {project.var('ml_monitor_time_grain')!r}")
    window_buckets = window_buckets or max(1, GRAIN["week"] // grain)
    return window_buckets, window_buckets * grain
