"""Multivariate drift of the tabular features: changes that no single feature shows, such as
two features that were independent and now move together.

Per serving window (a week of buckets by default, as the embedding drift's windows) two
signals, both against a sample of the training split:

- a domain classifier: scikit-learn's HistGradientBoostingClassifier (numeric and
  categorical features natively, missing values too) telling the window's rows from the
  reference's. Its out-of-fold predictions (stratified 5-fold cross-validation, seeded)
  give one ROC AUC: 0.5 when the two are indistinguishable. The noise floor is the AUC's
  permutation distribution under no drift, in closed form: the AUC is the Mann–Whitney
  statistic, whose variance over random re-labellings is (n_r + n_s + 1) / (12 n_r n_s)
  (less with ties, so the p-value is conservative); p_value is its normal upper tail.
  The window drifts (alert type multivariate_drift) when the AUC passes the threshold and
  the adjusted p-value is small (ml_monitor_alert_tests).
- NannyML-style PCA reconstruction error, a cheap companion: features encoded (numeric:
  missing values as the reference mean; categorical: the value's share in the reference),
  standardised, projected on the principal components that keep 65 % of the reference's
  variance and back. The window's mean reconstruction error is compared with the
  reference's mean ± 3 standard errors of the difference of the two means, the reference's
  measured on the half of the reference sample that the PCA was not fitted on (in-sample
  errors are too small). A chart, not an alert: with heavy-tailed features its band is a
  guide for the eye.

A feature whose share of missing values moved by more than ml_monitor_null_fraction_tolerance
in a window is left out of that window (listed in dropped_features): the null-fraction
monitor reports it, and here it would make every later window trivially separable, hiding
any other change for as long as the column stays empty.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from . import names, samples
from .config import Project
from .errors import MonitorError
from .projection import window_label, window_starts, windowing
from .warehouse import Warehouse

# Stable demo windows score 0.49-0.51 (null sd about 0.013 at 700 rows against 2000); the
# demo's joint change 0.7 in its first, partly changed window and 0.9 after.
DRIFT_THRESHOLD = 0.6
PCA_VARIANCE = 0.65  # NannyML's default share of variance the components keep
BAND_WIDTH = 3  # standard errors of the window's mean error minus the reference's
MIN_ROWS = 20  # fewer rows on either side: no score
FOLDS = 5

COLUMNS = [
    "window",
    "window_start",
    "bucket_start",
    "n_reference",
    "n_serving",
    "features",
    "dropped_features",
    "domain_auc",
    "auc_null_sd",
    "p_value",
    "threshold",
    "is_drift",
    "reconstruction_error",
    "reconstruction_lower",
    "reconstruction_upper",
    "is_reconstruction_drift",
]


def domain_auc(reference: pd.DataFrame, serving: pd.DataFrame, categorical: list[str], seed: int = 0) -> float:
    """ROC AUC of the out-of-fold P(serving) of a gradient-boosted classifier."""
    rows = pd.concat([reference, serving], ignore_index=True)
    y = np.r_[np.zeros(len(reference)), np.ones(len(serving))]
    x = _encoded(rows, categorical)
    classifier = HistGradientBoostingClassifier(
        max_iter=50,
        class_weight="balanced",
        random_state=seed,
        categorical_features=[name in categorical for name in rows.columns],
    )
    # one thread: at a few thousand rows OpenMP's threads cost more than they save, and
    # on a shared machine they fight the warehouse for its cores
    with threadpool_limits(1):
        scores = cross_val_predict(
            classifier, x, y, cv=StratifiedKFold(FOLDS, shuffle=True, random_state=seed), method="predict_proba"
        )[:, 1]
    return float(roc_auc_score(y, scores))


def auc_null_sd(n_reference: int, n_serving: int) -> float:
    """Standard deviation of the AUC under no drift (the Mann–Whitney statistic's)."""
    return math.sqrt((n_reference + n_serving + 1) / (12 * n_reference * n_serving))


def _encoded(rows: pd.DataFrame, categorical: list[str]) -> np.ndarray:
    """Categories as codes (HistGradientBoosting takes at most 255 of a feature: the rarest
    are grouped); missing values stay NaN, which the classifier routes on its own."""
    x = rows.astype({name: float for name in rows.columns if name not in categorical})
    if categorical:
        encoder = OrdinalEncoder(max_categories=250, dtype=float)
        x[categorical] = encoder.fit_transform(rows[categorical].astype(object).where(rows[categorical].notna(), None))
    return x.to_numpy(dtype=float)


class Reconstruction:
    """PCA reconstruction error of rows, fitted on one half of the reference sample and
    measured on the other."""

    def __init__(self, reference: pd.DataFrame, categorical: list[str], seed: int = 0):
        half = np.random.default_rng(seed).permutation(len(reference)) < len(reference) // 2
        fit = reference[half]
        self.categorical = categorical
        self.means = fit.drop(columns=categorical).astype(float).mean()
        self.shares = {
            name: fit[name].astype(object).value_counts(normalize=True, dropna=False) for name in categorical
        }
        encoded = self._encode(fit)
        self.scaler = StandardScaler().fit(encoded)
        self.pca = PCA(n_components=PCA_VARIANCE, svd_solver="full", random_state=seed).fit(
            self.scaler.transform(encoded)
        )
        held_out = self.errors(reference[~half])
        self.mean, self.sd, self.n = float(held_out.mean()), float(held_out.std(ddof=1)), len(held_out)

    def _encode(self, rows: pd.DataFrame) -> np.ndarray:
        numeric = rows.drop(columns=self.categorical).astype(float).fillna(self.means)
        shares = {
            name: rows[name].astype(object).map(self.shares[name]).astype(float).fillna(0.0)
            for name in self.categorical
        }
        return pd.concat([numeric, pd.DataFrame(shares, index=rows.index)], axis=1)[list(rows.columns)].to_numpy()

    def errors(self, rows: pd.DataFrame) -> np.ndarray:
        """Euclidean distance of each standardised row from its reconstruction."""
        scaled = self.scaler.transform(self._encode(rows))
        return np.linalg.norm(scaled - self.pca.inverse_transform(self.pca.transform(scaled)), axis=1)


def score_windows(
    reference: pd.DataFrame,
    serving: pd.DataFrame,
    features: list[str],
    categorical: list[str],
    *,
    null_tolerance: float,
    threshold: float = DRIFT_THRESHOLD,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """One row per serving window (column window_start) of both signals; see the module.
    A window is dated at its latest bucket (bucket_start), when its evidence is complete:
    an alert never precedes the change it reports."""
    reference_nulls = reference[features].isna().mean()
    fitted: dict[tuple, Reconstruction] = {}
    rows = []
    windows = list(serving.groupby("window_start", sort=True))
    for done, (start, window) in enumerate(windows, 1):
        moved = (window[features].isna().mean() - reference_nulls).abs() > null_tolerance
        kept = [f for f in features if not moved[f]]
        kept_categorical = [f for f in categorical if f in kept]
        row = {
            "window": window_label(start),
            "window_start": start,
            "bucket_start": window["bucket_start"].max(),
            "n_reference": len(reference),
            "n_serving": len(window),
            "features": ",".join(kept),
            "dropped_features": ",".join(f for f in features if moved[f]),
        }
        if kept and min(len(reference), len(window)) >= MIN_ROWS:
            auc = domain_auc(reference[kept], window[kept], kept_categorical, seed)
            sd = auc_null_sd(len(reference), len(window))
            if tuple(kept) not in fitted:
                fitted[tuple(kept)] = Reconstruction(reference[kept], kept_categorical, seed)
            pca = fitted[tuple(kept)]
            # the standard error of a difference of two means: the window's and the held-out half's
            half_width = BAND_WIDTH * pca.sd * math.sqrt(1 / len(window) + 1 / pca.n)
            row |= {
                "domain_auc": auc,
                "auc_null_sd": sd,
                "p_value": float(norm.sf((auc - 0.5) / sd)),
                "reconstruction_error": float(pca.errors(window[kept]).mean()),
                "reconstruction_lower": pca.mean - half_width,
                "reconstruction_upper": pca.mean + half_width,
            }
        rows.append(row)
        if progress:
            progress(done, len(windows))
    scores = pd.DataFrame(rows).reindex(columns=COLUMNS)
    scores["threshold"] = threshold
    # no score (too few rows) is no verdict: NULL, not False
    scores["is_drift"] = (scores["domain_auc"] > threshold).astype("boolean").mask(scores["domain_auc"].isna())
    outside = (scores["reconstruction_error"] > scores["reconstruction_upper"]) | (
        scores["reconstruction_error"] < scores["reconstruction_lower"]
    )
    scores["is_reconstruction_drift"] = outside.astype("boolean").mask(scores["reconstruction_error"].isna())
    return scores


def run(
    warehouse: Warehouse,
    project: Project,
    *,
    model_id: str | None = None,
    sample_size: int = 2000,
    window_sample_size: int = 700,
    window_buckets: int | None = None,
    max_windows: int = 12,
    threshold: float = DRIFT_THRESHOLD,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Sample the training split and the recent serving windows, score each window on the
    configured features (ml_monitor_features) and write ml_monitor_multivariate_drift.

    sample_size: training rows; window_sample_size: serving rows per window, taken evenly
    from its buckets (ceil(size / buckets) per bucket); both chosen by a seeded hash of the
    prediction id (samples.sample). Returns the frame written.
    """
    features = list(project.var("ml_monitor_features") or [])
    if not features:
        raise MonitorError("multivariate drift needs the tabular features: set ml_monitor_features")
    window_buckets, length = windowing(project, window_buckets)
    model_id = samples.resolve_model_id(warehouse, names.PREDICTIONS, model_id)
    q = warehouse.quote
    columns = {name: name for name in features}
    split = project.var("ml_monitor_reference_split")
    reference = samples.sample(
        warehouse,
        names.REFERENCE,
        columns,
        per_group=sample_size,
        seed=seed,
        where=[(f"{q('model_id')} = ? and {q('split')} = ?", [model_id, split])],
    )
    if reference.empty:
        raise MonitorError(f"no rows of split '{split}' for model '{model_id}'")
    valid = (f"{q('model_id')} = ? and {q('exclusion_reason')} is null", [model_id])
    latest = warehouse.query(
        f"select max({q('bucket_start')}) as latest from {warehouse.relation(names.PREDICTIONS)} where {valid[0]}",
        valid[1],
    )["latest"].iloc[0]
    if pd.isna(latest):
        raise MonitorError(f"no valid serving rows for model '{model_id}'")
    since = window_starts(pd.Series([latest]), length).iloc[0] - (max_windows - 1) * length
    serving = samples.sample(
        warehouse,
        names.PREDICTIONS,
        {**columns, "bucket_start": "bucket_start"},
        per_group=math.ceil(window_sample_size / window_buckets),
        group_by=["bucket_start"],
        seed=seed,
        where=[valid, (f"{q('bucket_start')} >= ?", [since.to_pydatetime()])],
    )
    serving["window_start"] = window_starts(serving["bucket_start"], length)
    categorical = [
        name
        for name in features
        if not pd.api.types.is_numeric_dtype(reference[name]) or not pd.api.types.is_numeric_dtype(serving[name])
    ]
    scores = score_windows(
        reference,
        serving,
        features,
        categorical,
        null_tolerance=float(project.var("ml_monitor_null_fraction_tolerance")),
        threshold=threshold,
        seed=seed,
        progress=progress,
    )
    with warehouse.atomic():
        samples.write_model_rows(warehouse, names.MULTIVARIATE_DRIFT, scores, model_id)
    return scores
