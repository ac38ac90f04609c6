"""Alert rules as statistical decisions, on small generated models built in one dbt run:
each model is a scenario of the issue that asked for them (a zero-variance baseline, a
stable small model, a collapse of measured accuracy, a class-mix shift in small buckets),
and every p-value and adjusted p-value equals scipy's on the same rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from _tiny_project import build, reference, serving_log, table, tiny_project, write_tables
from ml_monitor.errors import MonitorError
from ml_monitor.names import ALL

pytestmark = pytest.mark.slow  # each scenario is a dbt build of a tiny project

DAYS = 20
CHANGE_DAY = 11  # the collapse and the shift start here (1-based)
START = datetime(2024, 3, 1)
# every monitor, its public view, and the alerts, episodes and incidents
SELECT = "+ml_monitor_alert_tests+ +ml_monitor_incidents"
# the report's views are downstream of the alert tests too, and read tables SELECT leaves out
BUILD = "build --exclude ml_monitor.report"


def _day(d: int) -> pd.Timestamp:
    return pd.Timestamp(START + timedelta(days=d - 1))


def _rows(model: str, day: int, n: int, rng, classes, shares, confidence, labels=None, x=None) -> pd.DataFrame:
    predicted = rng.choice(classes, size=n, p=shares)
    return pd.DataFrame(
        {
            "prediction_id": [f"{model}-{day}-{i}" for i in range(n)],
            "model_id": model,
            "predicted_at": [
                START + timedelta(days=day - 1, seconds=int(s)) for s in np.sort(rng.integers(0, 86_400, n))
            ],
            "predicted_class": predicted,
            "confidence": confidence(n),
            "label": labels(predicted) if labels else None,
            "x": x(n) if x else rng.gamma(2.0, 1.0, n),
        }
    )


def _relabel(rng, accuracy, classes):
    """Labels that agree with the prediction with probability `accuracy`, else another class."""

    def labels(predicted):
        wrong = rng.random(len(predicted)) >= accuracy
        other = np.array([rng.choice([c for c in classes if c != p]) for p in predicted])
        return np.where(wrong, other, predicted)

    return labels


def _scenarios(rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    classes = ["a", "b", "c"]
    mix = [0.5, 0.3, 0.2]
    beta = lambda n: rng.beta(8, 2, n)  # noqa: E731
    serving, reference = [], []
    for day in range(1, DAYS + 1):
        flat = 0.4 if day == DAYS else 0.8
        serving.append(_rows("flat", day, 200, rng, classes, mix, lambda n, c=flat: np.full(n, c)))
        serving.append(_rows("gamma", day, 200, rng, classes, mix, beta))
        accuracy = 0.2 if day >= CHANGE_DAY else 0.73
        serving.append(_rows("collapse", day, 200, rng, classes, mix, beta, labels=_relabel(rng, accuracy, classes)))
        shifted = [0.2, 0.3, 0.5] if day >= CHANGE_DAY else mix
        serving.append(_rows("shift", day, 40, rng, classes, shifted, beta))
    for model in ["flat", "gamma", "collapse", "shift"]:
        n = 3000
        predicted = rng.choice(classes, size=n, p=mix)
        reference.append(
            pd.DataFrame(
                {
                    "model_id": model,
                    "split": np.where(rng.random(n) < 0.5, "train", "validation"),
                    "predicted_class": predicted,
                    "confidence": beta(n),
                    "label": _relabel(rng, 0.73, classes)(predicted),
                    "x": rng.gamma(2.0, 1.0, n),
                }
            )
        )
    return pd.concat(serving, ignore_index=True), pd.concat(reference, ignore_index=True)


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    project = tiny_project(
        tmp_path_factory.mktemp("alert_rules"),
        ml_monitor_features=["x"],
        ml_monitor_columns={"model_id": "model_id", "label": "label"},
    )
    serving, reference = _scenarios(np.random.default_rng(20))
    write_tables(project, predictions=serving, reference=reference)
    build(project, select=SELECT, command=BUILD)
    return project, serving, reference


def _alert_days(alerts: pd.DataFrame, model: str, alert_type: str, **where) -> set[int]:
    rows = alerts[(alerts.model_id == model) & (alerts.alert_type == alert_type)]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return {int((b - pd.Timestamp(START)).days) + 1 for b in rows.bucket_start}


def test_zero_variance_baseline_still_detects_a_drop(scenarios):
    project, _, _ = scenarios
    alerts = table(project, "ml_monitor_alerts")
    assert _alert_days(alerts, "flat", "confidence_anomaly", cohort_name=ALL, subject=ALL) == {DAYS}


def test_stable_small_model_raises_nothing(scenarios):
    project, _, _ = scenarios
    alerts = table(project, "ml_monitor_alerts")
    assert alerts[alerts.model_id == "gamma"].empty, alerts[alerts.model_id == "gamma"]
    # the effect alone would fire: that is the noise the evidence removes
    drift = table(project, "ml_monitor_feature_drift")
    assert (drift[drift.model_id == "gamma"].js_distance > 0.1).any()


def test_collapse_of_measured_accuracy_raises_performance_drop(scenarios):
    project, _, _ = scenarios
    alerts = table(project, "ml_monitor_alerts")
    days = _alert_days(alerts, "collapse", "performance_drop", subject="accuracy")
    assert days == set(range(CHANGE_DAY, DAYS + 1))
    incidents = table(project, "ml_monitor_incidents")
    collapse = incidents[incidents.model_id == "collapse"]
    assert list(collapse.onset) == [_day(CHANGE_DAY)] and collapse.iloc[0].status == "open"


def test_class_mix_shift_in_small_buckets_is_found(scenarios):
    project, _, _ = scenarios
    alerts = table(project, "ml_monitor_alerts")
    days = _alert_days(alerts, "shift", "class_drift")
    assert days and min(days) >= CHANGE_DAY and len(days) >= (DAYS - CHANGE_DAY + 1) // 2
    incidents = table(project, "ml_monitor_incidents")
    assert len(incidents[incidents.model_id == "shift"]) == 1


def test_p_values_equal_scipy(scenarios):
    project, serving, reference = scenarios
    drift = table(project, "ml_monitor_class_drift").set_index(["model_id", "bucket_start", "cohort_name"])
    holdout = reference[reference.split == "validation"]
    for (model, bucket, _), row in drift.xs(ALL, level="cohort_name", drop_level=False).iterrows():
        day = serving[(serving.model_id == model) & (serving.predicted_at.dt.floor("D") == bucket)]
        ref = holdout[holdout.model_id == model]
        counts = pd.concat([day.predicted_class.value_counts(), ref.predicted_class.value_counts()], axis=1).fillna(0)
        chi2, p, dof, _ = stats.chi2_contingency(counts.T.to_numpy(), correction=False)
        assert row.chi2_statistic == pytest.approx(chi2, rel=1e-9)
        assert row.reference_p_value == pytest.approx(p, rel=1e-6, abs=1e-12)
        # the seasonal guard: the larger p-value once two earlier same weekdays exist
        guarded = row.seasonal_reference == "recent_weeks"
        assert row.p_value == (max(row.reference_p_value, row.seasonal_p_value) if guarded else row.reference_p_value)

    confidence = table(project, "ml_monitor_confidence").dropna(subset=["p_value"])
    # no spread on either side and no move: no evidence of a move
    expected = np.where(
        confidence.t_statistic.isna(), 1.0, 2 * stats.t.sf(np.abs(confidence.t_statistic), confidence.t_dof)
    )
    np.testing.assert_allclose(confidence.p_value, np.minimum(expected, 1), rtol=1e-6, atol=1e-12)

    features = table(project, "ml_monitor_feature_drift").dropna(subset=["ks_p_value"])
    en = features.n * features.n_reference / (features.n + features.n_reference)
    expected = stats.kstwobign.sf((np.sqrt(en) + 0.12 + 0.11 / np.sqrt(en)) * features.ks_statistic)
    np.testing.assert_allclose(features.ks_p_value, expected, rtol=1e-6, atol=1e-12)

    drop = table(project, "ml_monitor_performance_drop").dropna(subset=["p_value"])
    np.testing.assert_allclose(drop.p_value, stats.norm.sf(drop.z_drop), rtol=1e-6, atol=1e-12)


def test_adjusted_p_values_are_benjamini_hochberg_per_model_bucket(scenarios):
    project, _, _ = scenarios
    tests = table(project, "ml_monitor_alert_tests").dropna(subset=["p_value"])
    assert tests.p_value.between(0, 1).all()
    for _, family in tests.groupby(["model_id", "bucket_start"]):
        expected = stats.false_discovery_control(family.p_value.to_numpy(), method="bh")
        np.testing.assert_allclose(family.p_value_adjusted, expected, rtol=1e-9)
        assert (family.family_size == len(family)).all()
    decided = tests.is_effect & (tests.p_value_adjusted <= 0.01)
    assert (tests.is_alert == decided).all()


def test_episodes_are_runs_of_alerting_buckets(scenarios):
    """Recomputed in pandas from ml_monitor_alerts: consecutive buckets, gaps of one merged."""
    project, _, _ = scenarios
    alerts = table(project, "ml_monitor_alerts").dropna(subset=["bucket_start"])
    expected = []
    for key, rows in alerts.groupby(["model_id", "alert_type", "cohort_name", "cohort_value", "subject"]):
        days = sorted({int((b - pd.Timestamp(START)).days) for b in rows.bucket_start})
        runs = [[days[0]]]
        for d in days[1:]:
            (runs[-1].append(d) if d - runs[-1][-1] <= 2 else runs.append([d]))
        expected += [(*key, pd.Timestamp(START) + pd.Timedelta(days=r[0]), len(r)) for r in runs]
    episodes = table(project, "ml_monitor_alert_episodes")
    got = sorted(
        episodes[
            ["model_id", "alert_type", "cohort_name", "cohort_value", "subject", "first_bucket", "buckets_alerting"]
        ].itertuples(index=False, name=None)
    )
    assert got == sorted(expected)


def test_rerun_keeps_incident_ids(scenarios):
    project, _, _ = scenarios
    before = table(project, "ml_monitor_incidents").sort_values("incident_id").reset_index(drop=True)
    build(project, select="+ml_monitor_incidents", command="run")  # what the incidents are made of
    after = table(project, "ml_monitor_incidents").sort_values("incident_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)


@pytest.mark.parametrize("weeks", [0, "four"])
def test_seasonal_guard_off_or_misconfigured(tmp_path, weeks):
    """ml_monitor_seasonal_weeks: 0 turns the guard off (the reference test decides alone);
    anything but a whole number of weeks is an error naming the var."""
    project = tiny_project(tmp_path, ml_monitor_seasonal_weeks=weeks)
    write_tables(project, predictions=serving_log(days=16), reference=reference())
    if weeks != 0:
        with pytest.raises(MonitorError, match="ml_monitor_seasonal_weeks must be a whole number of weeks"):
            build(project, select="+ml_monitor_seasonal_buckets", command="run")
        return
    build(project, select="+int_ml_monitor__class_drift", command="run")
    drift = table(project, "int_ml_monitor__class_drift")
    assert len(drift) == 16 and set(drift.seasonal_reference) == {"off"}
    assert (drift.p_value.fillna(-1) == drift.reference_p_value.fillna(-1)).all()
