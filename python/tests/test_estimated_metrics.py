"""Performance estimated without labels (CBPE, ml_monitor_estimated_metrics) equals an
independent computation with numpy and scikit-learn on the demo's rows, meets the targets
of issue 16, and estimator_unreliable's p-value is scipy's binomial tail."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, norm
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from ml_monitor import demo
from ml_monitor.names import ALL

Z = 3  # ml_monitor_estimate_band_z
PRIOR_ROWS = 20  # ml_monitor_calibration_prior_rows
WINDOW = 14  # ml_monitor_estimator_check_buckets
METRIC_KEYS = ["bucket_start", "cohort_name", "cohort_value", "predicted_class", "metric"]


@pytest.fixture(scope="module")
def metrics(fitted_run) -> pd.DataFrame:
    table = fitted_run.table("ml_monitor_estimated_metrics")
    table["day"] = (table["bucket_start"] - fitted_run.start).dt.days + 1
    return table


@pytest.fixture(scope="module")
def rows(fitted_run) -> pd.DataFrame:
    raw = fitted_run.raw()
    raw["bucket_start"] = raw["predicted_at"].dt.floor("D")
    return raw


def calibrated(rows: pd.DataFrame, calibration: pd.DataFrame) -> np.ndarray:
    """Each row's P(correct): its class's step function (the model's when it has none)."""
    p = np.full(len(rows), np.nan)
    for cls in rows["predicted_class"].unique():
        curve = calibration[calibration["predicted_class"] == cls]
        if curve.empty:
            curve = calibration[calibration["predicted_class"] == ALL]
        curve = curve.sort_values("score_lower")
        mine = (rows["predicted_class"] == cls).to_numpy()
        at = np.searchsorted(curve["score_lower"].to_numpy(), rows.loc[mine, "confidence"].to_numpy(), side="right") - 1
        p[mine] = curve["calibrated_probability"].to_numpy()[at]
    return p


def error_spread(holdout: pd.DataFrame) -> pd.DataFrame:
    """share[k, c]: of the errors of rows predicted k, the share labelled c, with the model's
    errors by label (c != k) as a prior of PRIOR_ROWS rows."""
    errors = pd.crosstab(holdout["predicted_class"], holdout["label"])
    classes = errors.index.union(errors.columns)
    errors = np.array(errors.reindex(index=classes, columns=classes, fill_value=0), dtype=float)
    np.fill_diagonal(errors, 0)
    by_label = errors.sum(axis=0)
    prior = np.array(
        [
            np.where(np.arange(len(classes)) == k, 0, by_label) / (by_label.sum() - by_label[k])
            for k in range(len(classes))
        ]
    )
    share = (errors + PRIOR_ROWS * prior) / (errors.sum(axis=1, keepdims=True) + PRIOR_ROWS)
    return pd.DataFrame(share, index=classes, columns=classes)


def expected_metrics(bucket: pd.DataFrame, p: np.ndarray, spread: pd.DataFrame) -> dict:
    classes = spread.index
    n = bucket["predicted_class"].value_counts().reindex(classes, fill_value=0).to_numpy(float)
    tp = pd.Series(p).groupby(bucket["predicted_class"].to_numpy()).sum().reindex(classes, fill_value=0).to_numpy()
    fn = (n - tp) @ spread.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(n > 0, tp / n, 0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0)
        f1 = np.where(n + tp + fn > 0, 2 * tp / (n + tp + fn), 0)
    out = {(ALL, "accuracy"): tp.sum() / n.sum(), (ALL, "macro_f1"): f1.mean()}
    for i, cls in enumerate(classes):
        out |= {(cls, "precision"): precision[i], (cls, "recall"): recall[i], (cls, "f1"): f1[i]}
    return out


@pytest.mark.parametrize(
    "day, cohort_name, cohort_value",
    [(5, ALL, ALL), (20, "channel", "web"), (45, ALL, ALL), (50, "country", "GB")],
)
def test_estimates_and_bands_match_numpy_and_sklearn(fitted_run, metrics, rows, day, cohort_name, cohort_value):
    calibration = fitted_run.table("ml_monitor_calibration")
    reference = fitted_run.raw("reference")
    holdout = reference[reference["split"] == "validation"]
    bucket = rows[rows["bucket_start"] == fitted_run.day(day)].reset_index(drop=True)
    if cohort_name != ALL:
        bucket = bucket[bucket[cohort_name] == cohort_value].reset_index(drop=True)
    expected = expected_metrics(bucket, calibrated(bucket, calibration), error_spread(holdout))
    got = metrics[
        (metrics["bucket_start"] == fitted_run.day(day))
        & (metrics["cohort_name"] == cohort_name)
        & (metrics["cohort_value"] == cohort_value)
    ].set_index(["predicted_class", "metric"])
    assert set(got.index) == set(expected)
    for key, value in expected.items():
        assert got.loc[key, "estimate"] == pytest.approx(value, rel=1e-9, abs=1e-12), key
    assert (got["calibration_source"] != "none").all()

    # realised values and checking bands: scikit-learn on the labelled rows
    labelled = bucket[bucket["label"].notna()]
    y_true, y_pred = labelled["label"], labelled["predicted_class"]
    accuracy = got.loc[(ALL, "accuracy")]
    assert accuracy["realized"] == pytest.approx(accuracy_score(y_true, y_pred), rel=1e-12)
    assert accuracy["n_checked"] == len(labelled)
    a = accuracy["estimate"]
    assert accuracy["checking_lower"] == pytest.approx(max(0, a - Z * np.sqrt(a * (1 - a) / len(labelled))), rel=1e-9)
    assert accuracy["alerting_upper"] == pytest.approx(min(1, a + Z * np.sqrt(a * (1 - a) / len(bucket))), rel=1e-9)
    assert got.loc[(ALL, "macro_f1"), "realized"] == pytest.approx(
        f1_score(y_true, y_pred, average="macro", zero_division=0), rel=1e-12
    )
    classes = sorted(set(y_true) | set(y_pred))
    precision, recall, _, support = precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
    for i, cls in enumerate(classes):
        row = got.loc[(cls, "recall")]
        assert row["realized"] == pytest.approx(recall[i], rel=1e-12) and row["n_checked"] == support[i]
        r = row["estimate"]
        assert row["checking_upper"] == pytest.approx(
            min(1, r + Z * np.sqrt(r * (1 - r) / support[i])), rel=1e-9, abs=1e-12
        )
        assert got.loc[(cls, "precision"), "realized"] == pytest.approx(precision[i], rel=1e-12)


def test_realised_accuracy_inside_its_checking_band_before_the_typing_drift(metrics):
    """Target: ≥ 97 % of labelled cohort-buckets of days 1–39."""
    accuracy = metrics[
        (metrics["metric"] == "accuracy")
        & (metrics["day"] < demo.TYPING_DAY)
        & metrics["is_within_checking_band"].notna()
    ]
    assert len(accuracy) > 30 * 8
    assert accuracy["is_within_checking_band"].astype(bool).mean() >= 0.97


def test_estimated_accuracy_after_the_typing_drift_is_within_002(metrics):
    """Target: mean absolute error ≤ 0.02 over days 40–60, whole population."""
    population = metrics[
        (metrics["metric"] == "accuracy")
        & (metrics["cohort_name"] == ALL)
        & (metrics["day"] >= demo.TYPING_DAY)
        & metrics["realized"].notna()
    ]
    assert len(population) >= 20
    assert (population["estimate"] - population["realized"]).abs().mean() <= 0.02


def test_class_precision_and_recall_inside_their_checking_bands_when_stable(metrics):
    """Target: ≥ 95 % of stable buckets (before the first planted event), per metric."""
    stable = metrics[
        metrics["metric"].isin(["precision", "recall"])
        & (metrics["day"] < demo.CLASS_SHIFT_DAY)
        & metrics["is_within_checking_band"].notna()
    ]
    share = stable.groupby("metric")["is_within_checking_band"].apply(lambda s: s.astype(bool).mean())
    assert set(share.index) == {"precision", "recall"} and (share >= 0.95).all(), share


def test_estimated_performance_keeps_its_columns_and_carries_the_checking_band(fitted_run, metrics):
    perf = fitted_run.table("ml_monitor_estimated_performance")
    assert {
        "estimated_accuracy",
        "lower",
        "upper",
        "realized_accuracy",
        "n_labeled",
        "calibration_source",
        "checking_lower",
        "checking_upper",
        "is_alert",
    } <= set(perf.columns)
    accuracy = metrics[metrics["metric"] == "accuracy"].set_index(METRIC_KEYS[:3])
    theirs = accuracy[["estimate", "alerting_lower", "checking_upper"]].rename(
        columns={"checking_upper": "checking_upper_metrics"}
    )
    joined = perf.set_index(METRIC_KEYS[:3]).join(theirs, how="inner")
    assert len(joined) == len(perf)
    np.testing.assert_allclose(joined["estimated_accuracy"], joined["estimate"], rtol=1e-12)
    np.testing.assert_allclose(joined["lower"], joined["alerting_lower"], rtol=1e-12)
    np.testing.assert_allclose(
        joined["checking_upper"].fillna(-1), joined["checking_upper_metrics"].fillna(-1), rtol=1e-12
    )


def test_estimator_unreliable_is_scipy_binomial_tail_and_quiet_on_the_demo(fitted_run, metrics):
    reliability = fitted_run.table("ml_monitor_estimator_reliability").sort_values("bucket_start")
    checks = metrics[
        (metrics["metric"] == "accuracy") & (metrics["cohort_name"] == ALL) & metrics["is_within_checking_band"].notna()
    ].sort_values("bucket_start")
    miss = (~checks["is_within_checking_band"].astype(bool)).astype(int).to_numpy()
    n_checks = np.minimum(np.arange(1, len(miss) + 1), WINDOW)
    n_misses = pd.Series(miss).rolling(WINDOW, min_periods=1).sum().to_numpy()
    assert reliability["n_checks"].tolist() == n_checks.tolist()
    assert reliability["n_misses"].tolist() == n_misses.astype(int).tolist()
    p0 = 2 * norm.sf(Z)
    np.testing.assert_allclose(reliability["miss_probability"], p0, rtol=1e-6)
    np.testing.assert_allclose(reliability["p_value"], binom.sf(n_misses - 1, n_checks, p0), rtol=1e-5, atol=1e-300)
    # the calibration transfers well enough on the demo: no alert anywhere
    assert not reliability["is_alert"].any()


@pytest.mark.slow
def test_estimator_unreliable_finds_labels_that_stop_matching_the_confidence(fitted_run, tmp_path):
    """Concept drift planted in a copy of the fitted demo: from day 50, a quarter of the
    labelled rows get another class as their label (confidence unchanged). The estimate
    no longer matches the labels; estimator_unreliable fires from a few buckets after day
    50 and never before it."""
    import shutil

    import duckdb

    from conftest import make_project
    from ml_monitor import runner

    day = 50
    db_path = tmp_path / "demo.duckdb"
    shutil.copy(fitted_run.db_path, db_path)
    classes = ", ".join(f"'{c}'" for c in demo.CLASSES)
    with duckdb.connect(str(db_path)) as con:
        con.execute(
            f"""
            update main.predictions
            set label = list_element([{classes}], cast((list_position([{classes}], label) + hash(prediction_id || 'x') % 4) % 5 + 1 as bigint))
            where label is not null and predicted_at >= ? and hash(prediction_id) % 4 = 0
        """,
            [fitted_run.day(day).to_pydatetime()],
        )
    project = make_project(db_path)
    runner.build(project, select="ml_monitor_confusion_counts+")
    with duckdb.connect(str(db_path), read_only=True) as con:
        reliability = con.execute(f"select * from {project.output_schema}.ml_monitor_estimator_reliability").df()
        alerts = con.execute(
            f"select * from {project.output_schema}.ml_monitor_alerts where alert_type = 'estimator_unreliable'"
        ).df()
    alert_days = sorted(((alerts["bucket_start"] - fitted_run.start).dt.days + 1).tolist())
    # within days: misses accumulate over the checked buckets, and the bucket's BH family holds
    # every per-cohort test of the demo (the last week has a tenth of its rows labelled)
    assert alert_days and min(alert_days) >= day and min(alert_days) <= day + 8, alert_days
    assert set(alert_days) == set(range(min(alert_days), 61)) & set(
        ((reliability["bucket_start"] - fitted_run.start).dt.days + 1).tolist()
    )
    assert (alerts["cohort_name"] == ALL).all() and (alerts["subject"] == "accuracy").all()
