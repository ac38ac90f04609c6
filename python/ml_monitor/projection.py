"""UMAP maps of each class's inputs, and a domain-classifier drift score per class and window.

Vectors are what the model sees: the configured embedding column, or else the raw text
through the model's own feature steps (every step of a scikit-learn Pipeline but the last,
e.g. TF-IDF). A row's class is its label in the reference data and its predicted class in
the serving log (serving labels are mostly missing).

The reference rows are the holdout split's, not the training split's: a feature pipeline
fitted on the training texts knows every word they use (TF-IDF's vocabulary), while new
texts, in the holdout split as in serving, carry words it never saw; against the training
split even an undrifted serving window scores an AUC above 0.5.

Per class, UMAP is fitted on the reference sample and each serving window is placed into
that map, so every point sits in the training distribution's coordinates. Distances are
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
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import cosine_distances
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from . import samples
from .config import Project
from .errors import MonitorError
from .warehouse import Warehouse

Vectorize = Callable[[pd.DataFrame], object]  # sample rows -> a matrix, one row each (dense or sparse)

MAX_REFERENCE = 4095   # UMAP can place new points only into a precomputed map of < 4096 rows
MIN_REFERENCE = 20     # fewer reference rows of a class: no map and no drift score
N_NEIGHBORS = 15
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

    Stratified, shuffled with the seed, mean over folds; NaN when either side has fewer
    rows than folds.
    """
    if reference.shape[0] < folds or serving.shape[0] < folds:
        return math.nan
    stack = np.vstack if isinstance(reference, np.ndarray) else _sparse_vstack
    x = stack([reference, serving])
    y = np.r_[np.zeros(reference.shape[0]), np.ones(serving.shape[0])]
    # liblinear: twice as fast as lbfgs on sparse TF-IDF, the same scores
    classifier = LogisticRegression(solver="liblinear", class_weight="balanced", random_state=seed)
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    return float(cross_val_score(classifier, x, y, cv=cv, scoring="roc_auc").mean())


def _sparse_vstack(blocks):
    import scipy.sparse
    return scipy.sparse.vstack(blocks, format="csr")


def fit_map(reference, seed: int = 0):
    """A 2-d UMAP map of the reference vectors (cosine distances, fixed seed).

    With a seed UMAP runs single-threaded; the samples are small enough for that.
    """
    import umap  # first import JIT-compiles for ~30 s: only when a map is made

    neighbors = min(N_NEIGHBORS, reference.shape[0] - 1)
    mapper = umap.UMAP(n_neighbors=neighbors, metric="precomputed", random_state=seed, transform_seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by random_state", "precomputed metric"
        mapper.fit(cosine_distances(reference))
    return mapper


def place(mapper, reference, vectors) -> np.ndarray:
    """Coordinates of new vectors in a map fitted on `reference`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mapper.transform(cosine_distances(vectors, reference))


def project(
    reference: pd.DataFrame,
    serving: pd.DataFrame,
    vectorize: Vectorize,
    *,
    threshold: float = 0.55,
    folds: int = 5,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map and score every class; returns (projection, drift) frames.

    reference: sample_id, class (= label) and the input column `vectorize` reads.
    serving: the same plus bucket_start and window_start; class = predicted class.
    progress(done, total) is called after each class.
    """
    if reference.empty:
        raise MonitorError("no reference rows to fit the maps on")
    if reference["class"].value_counts().max() > MAX_REFERENCE:
        raise MonitorError(f"at most {MAX_REFERENCE} reference rows per class can be mapped")
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
        scores.append({"window": window_label(start), "window_start": start, "n_reference": len(reference),
                       "n_serving": len(window), "domain_auc": auc})
    map_frame = pd.concat(maps, ignore_index=True) if maps else pd.DataFrame(columns=PROJECTION_COLUMNS)
    return map_frame, pd.DataFrame(scores, columns=["window", "window_start", "n_reference", "n_serving", "domain_auc"])


def _map_rows(rows: pd.DataFrame, source: str, xy: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "sample_id": rows["sample_id"].to_numpy(),
        "source": source,
        "bucket_start": pd.to_datetime(rows["bucket_start"]).to_numpy() if "bucket_start" in rows else pd.NaT,
        "x": xy[:, 0],
        "y": xy[:, 1],
    })


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
    threshold: float = 0.55,
    split: str | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sample, map and score, and write ml_monitor_embedding_projection and _drift.

    sample_size: reference rows per class (at most 4095). window_sample_size: serving rows
    per class and window, taken evenly from the window's buckets (ceil(size / buckets) per
    bucket). window_buckets: buckets per window (default: a week of the time grain).
    max_windows: the most recent windows scored. split: the reference split (default: the
    holdout split; see the module docstring for why not train). model: the loaded model, needed only
    when vectors come from text. Returns the two frames written.
    """
    if not 0 < sample_size <= MAX_REFERENCE:
        raise MonitorError(f"sample_size must be between 1 and {MAX_REFERENCE} (UMAP's limit for placing new points)")
    embedding = project.var("ml_monitor_embedding_column")
    text = project.var("ml_monitor_text_column")
    if embedding:
        column, vectorize, key = embedding, embedding_vectors(), ["prediction_id"]
    elif text:
        if model is None:
            raise MonitorError("projecting text needs the model (--model): its feature steps turn text into vectors")
        column, vectorize, key = text, text_vectors(model), ["prediction_id", text]
    else:
        raise MonitorError("projection needs ml_monitor_embedding_column or ml_monitor_text_column")
    grain = GRAIN.get(project.var("ml_monitor_time_grain", "day"))
    if grain is None:
        raise MonitorError(f"unknown ml_monitor_time_grain {project.var('ml_monitor_time_grain')!r}")
    window_buckets = window_buckets or max(1, GRAIN["week"] // grain)
    length = window_buckets * grain

    model_id = samples.resolve_model_id(warehouse, samples.PREDICTIONS, model_id)
    q = warehouse.quote
    reference = samples.sample(
        warehouse, samples.REFERENCE, {"sample_id": "prediction_id", "class": "label", "input": column},
        per_group=sample_size, group_by=["label"], key=key, seed=seed,
        where=[(f"{q('model_id')} = ? and {q('split')} = ?", [model_id, split or project.var("ml_monitor_holdout_split", "validation")]),
               (f"{q('label')} is not null and {q(column)} is not null", [])],
    )
    valid = (f"{q('model_id')} = ? and {q('exclusion_reason')} is null and {q(column)} is not null", [model_id])
    latest = warehouse.query(
        f"select max(bucket_start) as latest from {warehouse.relation(samples.PREDICTIONS)} where {valid[0]}", valid[1]
    )["latest"].iloc[0]
    if pd.isna(latest):
        raise MonitorError(f"no valid serving rows with {column} for model '{model_id}'")
    since = window_starts(pd.Series([latest]), length).iloc[0] - (max_windows - 1) * length
    serving = samples.sample(
        warehouse, samples.PREDICTIONS,
        {"sample_id": "prediction_id", "class": "predicted_class", "bucket_start": "bucket_start", "input": column},
        per_group=math.ceil(window_sample_size / window_buckets), group_by=["predicted_class", "bucket_start"],
        key=key, seed=seed, where=[valid, (f"{q('bucket_start')} >= ?", [since.to_pydatetime()])],
    )
    serving["window_start"] = window_starts(serving["bucket_start"], length)
    projection, drift = project(reference, serving, vectorize, threshold=threshold, seed=seed, progress=progress)
    samples.write_model_rows(warehouse, "ml_monitor_embedding_projection", projection, model_id)
    samples.write_model_rows(warehouse, "ml_monitor_embedding_drift", drift, model_id)
    return projection, drift
