"""The monitors find the demo's planted events where they were planted, and stay quiet on
stable days; each planted event is one incident whose onset is its day."""

from __future__ import annotations

import pandas as pd
import pytest

from ml_monitor import demo
from ml_monitor.names import ALL

pytestmark = pytest.mark.slow  # the session's demo build

STABLE_DAYS = range(1, 26)


def _days(demo_run, frame: pd.DataFrame) -> set[int]:
    return {int((b - demo_run.start).days) + 1 for b in frame["bucket_start"]}


def test_class_drift_in_the_planted_cohort_only(demo_run):
    drift = demo_run.table("ml_monitor_class_drift")
    cohort_name, cohort_value = demo.SHIFT_COHORT
    planted = drift[(drift.cohort_name == cohort_name) & (drift.cohort_value == cohort_value) & drift.is_drift]
    # every day of the shift before the typing drift starts
    assert set(range(demo.CLASS_SHIFT_DAY, demo.TYPING_DAY)) <= _days(demo_run, planted)
    # the other channels keep their class mix
    before_typing = drift[(drift.bucket_start < demo_run.day(demo.TYPING_DAY)) & (drift.cohort_name == cohort_name)]
    others = before_typing[before_typing.cohort_value != cohort_value]
    assert not others.is_drift.any(), others[others.is_drift]
    assert not planted.empty and _days(demo_run, planted).isdisjoint(STABLE_DAYS)


def test_no_class_drift_on_stable_days(demo_run):
    drift = demo_run.table("ml_monitor_class_drift")
    stable = drift[drift.bucket_start < demo_run.day(26)]
    assert not stable.is_drift.any(), stable[stable.is_drift]


def test_confidence_anomaly_after_typing_drift(demo_run):
    conf = demo_run.table("ml_monitor_confidence")
    population = conf[(conf.cohort_name == ALL) & (conf.predicted_class == ALL)]
    anomalies = _days(demo_run, population[population.is_anomaly])
    assert demo.TYPING_DAY in anomalies
    assert anomalies.isdisjoint(STABLE_DAYS)
    # the drop is large: the bucket mean falls well below the previous week's
    row = population[population.bucket_start == demo_run.day(demo.TYPING_DAY)].iloc[0]
    assert row.z_score < -3 and row.mean_confidence < row.baseline_mean - 0.05


def test_no_anomaly_on_stable_days(demo_run):
    """Hundreds of cohort × class series tested every day: FDR control keeps every one quiet."""
    conf = demo_run.table("ml_monitor_confidence")
    stable = conf[(conf.bucket_start < demo_run.day(26)) & conf.p_value.notna()]
    assert len(stable) > 500
    assert not stable.is_anomaly.any(), stable[stable.is_anomaly]
    # the raw p-values of stable series are spread as under no change: few below 1 %
    assert (stable.p_value < 0.01).mean() < 0.03


def test_feature_drift_in_the_planted_cohort_only(demo_run):
    """order_value doubles in one country from its day until the upstream change nulls it:
    its cohort drifts; the population, whose numbers it hides in, and the other countries
    do not; before it nothing but the text statistics (typing) ever drifts."""
    drift = demo_run.table("ml_monitor_feature_drift")
    cohort_name, cohort_value = demo.COHORT_DRIFT_COHORT
    feature = drift[drift.feature == demo.COHORT_DRIFT_FEATURE]
    planted = feature[(feature.cohort_name == cohort_name) & (feature.cohort_value == cohort_value)]
    assert _days(demo_run, planted[planted.is_drift]) == set(range(demo.COHORT_DRIFT_DAY, demo.UPSTREAM_DAY))
    assert (planted.reference_scope == "cohort").all()
    elsewhere = feature[(feature.cohort_name != cohort_name) | (feature.cohort_value != cohort_value)]
    assert not elsewhere.is_drift.any(), elsewhere[elsewhere.is_drift]
    # the population's effect stays below the drift thresholds, though its KS test sees it
    population = feature[(feature.cohort_name == ALL) & (feature.bucket_start >= demo_run.day(demo.COHORT_DRIFT_DAY))]
    assert (population.psi < 0.2).all() and (population.js_distance < 0.1).all()
    others = drift[~drift.feature.str.startswith("ticket_text.") & (drift.feature != demo.COHORT_DRIFT_FEATURE)]
    assert not others.is_drift.any(), others[others.is_drift]
    text = drift[drift.feature.str.startswith("ticket_text.")]
    assert _days(demo_run, text[text.is_drift]).isdisjoint(range(1, demo.TYPING_DAY))


def test_schema_diff_statuses(demo_run):
    diff = demo_run.table("ml_monitor_schema_diff").set_index("column_name")["status"]
    assert diff["priority"] == "type_changed"
    assert diff["app_version"] == "added"
    assert diff["legacy_segment"] == "dropped"
    assert (diff.drop(["priority", "app_version", "legacy_segment"]) == "unchanged").all()


def test_null_fraction_alert_on_the_nulled_column(demo_run):
    nulls = demo_run.table("ml_monitor_null_fractions")
    buckets = nulls[nulls.scope == "bucket"]
    order_value = buckets[buckets.column_name == "order_value"]
    # in the population and in every cohort
    for _, cohort in order_value.groupby(["cohort_name", "cohort_value"]):
        assert _days(demo_run, cohort[cohort.is_alert]) == set(range(demo.UPSTREAM_DAY, 61))
    others = buckets[buckets.column_name != "order_value"]
    assert not others.is_alert.any(), others[others.is_alert]
    # a cohort column's nulls are not monitored within its own cohorts
    assert not ((buckets.column_name == "country") & (buckets.cohort_name == "country")).any()


def test_each_planted_event_is_one_incident_at_its_day(demo_run):
    incidents = demo_run.table("ml_monitor_incidents")
    episodes = demo_run.table("ml_monitor_alert_episodes")
    onsets = {int((o - demo_run.start).days) + 1: i for o, i in zip(incidents.onset, incidents.incident_id)}
    planted = {
        demo.CLASS_SHIFT_DAY,
        demo.TYPING_DAY,
        demo.UPSTREAM_DAY,
        demo.LOGGER_DROP_DAY,
        demo.LABEL_STOP_DAY,
        demo.COHORT_DRIFT_DAY,
    }
    assert planted <= set(onsets), incidents[["onset", "title"]]
    assert len(set(onsets) - planted) <= 1, incidents[["onset", "title"]]
    assert not [d for d in onsets if d < demo.CLASS_SHIFT_DAY], "an incident on a stable day"

    def found(day: int) -> pd.DataFrame:
        return episodes[episodes.incident_id == onsets[day]]

    shift = found(demo.CLASS_SHIFT_DAY)
    cohort_name, cohort_value = demo.SHIFT_COHORT
    assert (
        (shift.alert_type == "class_drift") & (shift.cohort_value == cohort_value) & (shift.cohort_name == cohort_name)
    ).any()
    typing = found(demo.TYPING_DAY)
    assert {"confidence_anomaly", "feature_drift", "performance_drop"} <= set(typing.alert_type)
    assert typing[typing.alert_type == "feature_drift"].subject.str.startswith("ticket_text.").all()
    cohort_drift = found(demo.COHORT_DRIFT_DAY)
    assert set(
        zip(cohort_drift.alert_type, cohort_drift.cohort_name, cohort_drift.cohort_value, cohort_drift.subject)
    ) == {("feature_drift", *demo.COHORT_DRIFT_COHORT, demo.COHORT_DRIFT_FEATURE)}
    upstream = found(demo.UPSTREAM_DAY)
    assert set(upstream.alert_type) == {"null_fraction", "schema_change"}
    assert set(upstream.subject) == {"order_value", "priority", "app_version", "legacy_segment"}
    logger = found(demo.LOGGER_DROP_DAY)
    assert set(logger.alert_type) == {"volume_drop", "cohort_volume_share"}
    assert set(zip(logger.cohort_name, logger.cohort_value)) == {demo.LOGGER_COHORT}
    labels = found(demo.LABEL_STOP_DAY)
    assert set(labels.alert_type) == {"label_coverage_drop"}
    assert set(zip(labels.cohort_name, labels.cohort_value)) == {demo.LABEL_STOP_COHORT}


def test_no_single_feature_sees_the_joint_change(demo_run):
    """Each of the two features keeps its distribution: their drift stays quiet (the
    multivariate step finds the change, test_multivariate.py)."""
    drift = demo_run.table("ml_monitor_feature_drift")
    joint = drift[drift.feature.isin(demo.JOINT_FEATURES)]
    assert (
        set(joint.feature) == set(demo.JOINT_FEATURES)
        and (joint.bucket_start >= demo_run.day(demo.JOINT_CHANGE_DAY)).any()
    )
    assert not joint.is_drift.any(), joint[joint.is_drift]


def test_calibration_drift_from_the_typing_drift_only(demo_run):
    alerts = demo_run.table("ml_monitor_alerts")
    days = _days(demo_run, alerts[alerts.alert_type == "calibration_drift"])
    assert min(days) == demo.TYPING_DAY and days.isdisjoint(STABLE_DAYS)
