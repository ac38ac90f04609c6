"""Calibration watched in production: ECE, Brier score, log-loss and the reliability bins
equal an independent numpy/scikit-learn computation on the same labelled rows, and the
calibration_drift alert fires from the typing drift on, never on stable days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.metrics import brier_score_loss, log_loss

from _tiny_project import build, reference, serving_log, table, tiny_project, write_tables
from ml_monitor import demo
from ml_monitor.names import ALL
from test_sql_monitors import _one

BINS = 10  # ml_monitor_calibration_bins


@pytest.fixture(scope="module")
def labelled(demo_run) -> pd.DataFrame:
    raw = demo_run.raw()
    rows = raw[raw.label.notna()].copy()
    rows["bucket_start"] = rows["predicted_at"].dt.floor("D")
    rows["week_start"] = rows["bucket_start"] - pd.to_timedelta(rows["bucket_start"].dt.day_of_week, unit="D")
    rows["correct"] = (rows["label"] == rows["predicted_class"]).astype(float)
    return rows


@pytest.fixture(scope="module")
def holdout(demo_run) -> pd.DataFrame:
    reference = demo_run.raw("reference")
    rows = reference[reference.split == "validation"].copy()
    rows["correct"] = (rows["label"] == rows["predicted_class"]).astype(float)
    return rows


def _calibration(rows: pd.DataFrame) -> dict:
    """ECE over equal-mass bins (sorted by confidence, then prediction_id; np.array_split
    gives the first n mod BINS bins one row more, as SQL's ntile), Brier, log-loss."""
    rows = rows.sort_values(["confidence", "prediction_id"])
    bins = np.array_split(np.arange(len(rows)), BINS)
    conf, correct = rows["confidence"].to_numpy(), rows["correct"].to_numpy()
    ece = sum(len(b) * abs(conf[b].mean() - correct[b].mean()) for b in bins if len(b)) / len(rows)
    return {
        "n": len(rows),
        "ece": ece,
        "brier": brier_score_loss(correct, conf),
        "log_loss": log_loss(correct, conf, labels=[0, 1]),
        "variance": np.var((conf - correct) ** 2, ddof=1),
        "bins": [(len(b), conf[b].mean(), correct[b].mean()) for b in bins if len(b)],
    }


def _check(got, expected: dict) -> None:
    assert got.n == expected["n"]
    assert (got.ece, got.brier, got.log_loss) == pytest.approx(
        (expected["ece"], expected["brier"], expected["log_loss"]), rel=1e-9
    )


@pytest.mark.parametrize("day, predicted_class", [(5, ALL), (12, "fraud"), (20, "technical"), (41, "billing")])
def test_bucket_values_equal_sklearn(demo_run, labelled, holdout, day, predicted_class):
    rows = labelled[labelled.bucket_start == demo_run.day(day)]
    reference = holdout
    if predicted_class != ALL:
        rows, reference = (
            rows[rows.predicted_class == predicted_class],
            holdout[holdout.predicted_class == predicted_class],
        )
    drift = demo_run.table("ml_monitor_calibration_drift")
    got = _one(drift, scope="bucket", bucket_start=demo_run.day(day), predicted_class=predicted_class)
    serving, held = _calibration(rows), _calibration(reference)
    _check(got, serving)
    assert got.reference_n == held["n"]
    assert (got.reference_ece, got.reference_brier, got.reference_log_loss) == pytest.approx(
        (held["ece"], held["brier"], held["log_loss"]), rel=1e-9
    )
    z = (serving["brier"] - held["brier"]) / np.sqrt(serving["variance"] / serving["n"] + held["variance"] / held["n"])
    assert got.z_brier == pytest.approx(z, rel=1e-9)
    # a p-value needs about five expected errors and five expected successes
    accuracy = reference["correct"].mean()
    if len(rows) * min(accuracy, 1 - accuracy) < 5:
        assert got.evidence_note == "too_few_rows" and pd.isna(got.p_value)
    else:
        assert pd.isna(got.evidence_note)
        assert got.p_value == pytest.approx(norm.sf(z), rel=1e-6, abs=1e-300)


def test_week_roll_up_equals_sklearn(demo_run, labelled):
    week = pd.Timestamp(demo_run.day(19))  # a Monday
    assert week.weekday() == 0
    drift = demo_run.table("ml_monitor_calibration_drift")
    got = _one(drift, scope="week", bucket_start=week, predicted_class=ALL)
    _check(got, _calibration(labelled[labelled.week_start == week]))
    assert not got.is_calibration_drift  # week rows are never tested


def test_reliability_bins_equal_numpy(demo_run, labelled, holdout):
    bins = demo_run.table("ml_monitor_calibration_bins")
    got = bins[(bins.scope == "bucket") & (bins.bucket_start == demo_run.day(7)) & (bins.predicted_class == ALL)]
    expected = _calibration(labelled[labelled.bucket_start == demo_run.day(7)])["bins"]
    got = got.sort_values("bin")
    assert list(got["bin"]) == list(range(1, BINS + 1))
    assert list(got["n"]) == [n for n, _, _ in expected]
    assert np.allclose(got[["mean_confidence", "accuracy"]].to_numpy(), [(c, a) for _, c, a in expected], rtol=1e-9)
    held = bins[(bins.scope == "holdout") & (bins.predicted_class == ALL)]
    assert held["bucket_start"].isna().all() and held["n"].sum() == len(holdout)


def test_calibration_drift_from_the_typing_drift_never_on_stable_days(demo_run):
    drift = demo_run.table("ml_monitor_calibration_drift")
    buckets = drift[drift.scope == "bucket"]
    before = buckets[buckets.bucket_start < demo_run.day(demo.TYPING_DAY)]
    assert before.p_value.notna().sum() > 100
    assert not before.is_calibration_drift.any(), before[before.is_calibration_drift]
    population = buckets[buckets.predicted_class == ALL].set_index("bucket_start")
    typed = population[population.index >= demo_run.day(demo.TYPING_DAY)]
    assert typed.is_calibration_drift.all()
    # typed tickets: the router is underconfident, by more than on the holdout (on average: the
    # last week's buckets have a tenth of their rows labelled, and a day's gap is noisy)
    gap = (typed.accuracy - typed.mean_confidence).mean()
    assert gap > (typed.reference_accuracy - typed.reference_mean_confidence).iloc[0]
    assert typed.ece.mean() > typed.reference_ece.iloc[0]


@pytest.mark.slow
def test_bins_with_ties_and_small_groups_equal_numpy(tmp_path):
    """Every group's bins (each bucket and week, each class and all, the holdout) equal
    numpy's on the same rows, with confidences tied across bin edges (ranked by
    prediction_id) and groups smaller than the number of bins."""
    project = tiny_project(tmp_path)
    log = serving_log(n_per_day=700, days=1, classes=("a", "b", "c", "d", "e", "f", "g"))  # 5 daily buckets
    rng = np.random.default_rng(5)
    log["confidence"] = np.where(
        rng.random(len(log)) < 0.5, rng.choice([0.0, 0.25, 0.5, 1.0], len(log)), rng.random(len(log))
    )
    log["label"] = np.where(rng.random(len(log)) < 0.6, log.predicted_class, "a")
    log.loc[log.index[::9], "predicted_class"] = "rare"  # about 15 rows a day
    log.loc[log.index[1::5], "label"] = None
    write_tables(project, predictions=log, reference=reference())
    build(project, "+ml_monitor_calibration_bins", command="run")
    got = table(project, "ml_monitor_calibration_bins")

    rows = log[log.label.notna()].assign(correct=lambda f: (f.label == f.predicted_class).astype(float))
    rows["bucket"] = rows.predicted_at.dt.floor("D")
    rows["week"] = rows.bucket - pd.to_timedelta(rows.bucket.dt.day_of_week, unit="D")
    held = reference().query("split == 'validation'")
    expected = []
    for scope, column in [("bucket", "bucket"), ("week", "week")]:
        for start, in_bucket in rows.groupby(column):
            for cls, group in [(ALL, in_bucket), *in_bucket.groupby("predicted_class")]:
                expected += _bins(group, scope, pd.Timestamp(start), cls)
    assert sorted(
        got.loc[got.scope != "holdout", ["scope", "bucket_start", "predicted_class", "bin", "n"]].itertuples(
            index=False, name=None
        )
    ) == sorted((s, b, c, k, n) for s, b, c, k, n, *_ in expected)
    for scope, start, cls, k, _, low, high, mean, accuracy in expected:
        row = _one(got, scope=scope, bucket_start=start, predicted_class=cls, bin=k)
        assert (row.min_confidence, row.max_confidence) == (low, high)
        assert (row.mean_confidence, row.accuracy) == pytest.approx((mean, accuracy), rel=1e-12)
    holdout_bins = got[got.scope == "holdout"]
    assert holdout_bins.bucket_start.isna().all() and holdout_bins.n.sum() == 2 * len(held)


def _bins(group: pd.DataFrame, scope: str, start, predicted_class: str) -> list[tuple]:
    ordered = group.sort_values(["confidence", "prediction_id"])
    conf, correct = ordered.confidence.to_numpy(), ordered.correct.to_numpy()
    return [
        (scope, start, predicted_class, k, len(b), conf[b].min(), conf[b].max(), conf[b].mean(), correct[b].mean())
        for k, b in enumerate(np.array_split(np.arange(len(ordered)), BINS), 1)
        if len(b)
    ]
