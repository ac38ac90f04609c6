"""The alert benchmark (bench/alerts.py): each scenario's ground truth is what the generated
log holds (numpy on the generated frames, no dbt), the matching rule scores a hand-made
set of incidents as bench/README.md says, and the script runs end to end on a tiny log."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from ml_monitor import demo
from ml_monitor.config import Project, package_root
from ml_monitor.names import ALERTS, ALL, DUCKDB_OUTPUT_SCHEMA

BENCH = package_root() / "bench" / "alerts.py"
START = date(2026, 1, 1)


def _bench():
    spec = importlib.util.spec_from_file_location("ml_monitor_bench_alerts", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up while being made
    spec.loader.exec_module(module)
    return module


def _log(name: str, days: int = 90, per_day: int = 3000) -> tuple[demo.DemoData, pd.DataFrame]:
    data = demo.generate(predictions_per_day=per_day, days=days, start=START, scenario=demo.scenario(name))
    # the ticket text's dictionary repeats texts, which pandas refuses as categories
    log = data.predictions.drop_columns(["ticket_text"]).to_pandas()
    log["day"] = (log["predicted_at"] - pd.Timestamp(START)).dt.days + 1
    log["weekend"] = log["predicted_at"].dt.day_of_week >= 5
    return data, log


def _shares(values: pd.Series, categories=demo.CLASSES) -> np.ndarray:
    values = values.dropna().astype(str)
    return np.array([(values == c).mean() for c in categories])


def _within_noise(observed: np.ndarray, expected, n: int, sigmas: float = 4.0) -> bool:
    expected = np.asarray(expected)
    return bool(np.all(np.abs(observed - expected) <= sigmas * np.sqrt(expected * (1 - expected) / n)))


def test_stable_has_no_event_and_serves_like_the_reference(tmp_path):
    data, log = _log("stable")
    assert data.events.empty
    labelled = log["label"].notna()
    assert _within_noise(_shares(log.loc[labelled, "label"]), demo.REFERENCE_SHARES, labelled.sum())
    holdout = data.reference[data.reference["split"] == "validation"]
    holdout_mix = _shares(holdout["predicted_class"])
    assert _within_noise(_shares(log["predicted_class"]), holdout_mix, len(holdout))
    assert (
        abs(log["confidence"].mean() - holdout["confidence"].mean())
        < 4 * holdout["confidence"].std() / len(holdout) ** 0.5
    )
    # no schema change either: every input column of the reference, typed the same
    demo.write_duckdb(data, tmp_path / "stable.duckdb")
    with duckdb.connect(str(tmp_path / "stable.duckdb")) as con:
        types = {
            table: dict(
                con.execute(
                    "select column_name, data_type from information_schema.columns where table_name = ?", [table]
                ).fetchall()
            )
            for table in ("predictions", "reference")
        }
    inputs = set(types["reference"]) - {"split"}
    assert {c: types["predictions"].get(c) for c in inputs} == {c: types["reference"][c] for c in inputs}
    assert set(types["predictions"]) - inputs == {"model_version", "predicted_at"}


def test_slow_drift_moves_the_fraud_share_one_point_a_day():
    data, log = _log("slow_drift")
    assert data.events[["event_type", "day", "subject"]].values.tolist() == [["class_share_drift", 30, "fraud"]]
    fraud = log[log["label"].notna()].assign(fraud=lambda f: f["label"].astype(str) == "fraud")
    daily = fraud.groupby("day")["fraud"].mean()
    before, after = daily[daily.index < 30], daily[daily.index >= 30]
    assert abs(before.mean() - 0.12) < 0.005 and abs(np.polyfit(before.index, before, 1)[0]) < 0.0005
    slope, intercept = np.polyfit(after.index, after, 1)
    assert abs(slope - 0.01) < 0.0005
    assert abs(intercept + slope * 30 - 0.13) < 0.01  # day 30 already one point up


def test_seasonal_weekends_are_quieter_and_differ_mildly():
    data, log = _log("seasonal")
    assert data.events.empty
    rows = log.groupby(["day", "weekend"]).size().reset_index(level=1)
    assert set(rows.loc[rows["weekend"], 0]) == {1200} and set(rows.loc[~rows["weekend"], 0]) == {3000}
    labelled = log[log["label"].notna()]
    for weekend, expected in ((False, demo.REFERENCE_SHARES), (True, demo.WEEKEND_SHARES)):
        part = labelled[labelled["weekend"] == weekend]
        assert _within_noise(_shares(part["label"]), expected, len(part))
    weekend_mix, weekday_mix = (_shares(labelled.loc[labelled["weekend"] == w, "label"]) for w in (True, False))
    account, billing = demo.CLASSES.index("account"), demo.CLASSES.index("billing")
    assert weekend_mix[account] > weekday_mix[account] + 0.03 and weekend_mix[billing] > weekday_mix[billing] + 0.02


def test_concept_drift_changes_labels_not_inputs():
    data, log = _log("concept_drift")
    assert data.events[["event_type", "day", "subject"]].values.tolist() == [["concept_drift", 30, "account"]]
    before, after = log[log["day"] < 30], log[log["day"] >= 30]
    # inputs and predictions keep their distribution
    assert _within_noise(_shares(after["predicted_class"]), _shares(before["predicted_class"]), len(before))
    assert (
        abs(after["confidence"].mean() - before["confidence"].mean()) < 4 * log["confidence"].std() / len(before) ** 0.5
    )
    channels = demo.CATEGORIES["channel"][0]
    assert _within_noise(_shares(after["channel"], channels), _shares(before["channel"], channels), len(before))
    # the label mix too
    assert _within_noise(_shares(after["label"]), _shares(before["label"]), before["label"].notna().sum())

    # but what a ticket truly is changes: half the tickets predicted 'account' are now billing
    def accuracy(part, cls):
        rows = part[(part["predicted_class"].astype(str) == cls) & part["label"].notna()]
        return (rows["label"].astype(str) == cls).mean()

    assert accuracy(before, "account") > 0.85 and accuracy(after, "account") < 0.55
    assert accuracy(after, "billing") < accuracy(before, "billing") - 0.15
    assert accuracy(after, "shipping") > accuracy(before, "shipping") - 0.02


def _incident(incident_id, onset, alert_types, standing=False):
    return {
        "incident_id": incident_id,
        "onset": None if standing else pd.Timestamp(onset),
        "is_standing": standing,
        "alert_types": alert_types,
        "title": incident_id,
    }


def _episode(incident_id, alert_type, subject, cohort=(ALL, ALL)):
    return {
        "incident_id": incident_id,
        "alert_type": alert_type,
        "subject": subject,
        "cohort_name": cohort[0],
        "cohort_value": cohort[1],
    }


def test_matching_rule_on_hand_made_incidents():
    bench = _bench()
    events = demo.generate(predictions_per_day=1, days=60, start=START).events
    events = events[events.day <= 45]  # the demo's first seven events
    day = lambda d: pd.Timestamp(START) + pd.Timedelta(days=d - 1)  # noqa: E731
    incidents = pd.DataFrame(
        [
            _incident("shift", day(30), "class_drift"),
            _incident("chance", day(12), "confidence_anomaly"),  # before any event: false
            _incident("typing", day(41), "confidence_anomaly"),  # a day late
            _incident("typing again", day(50), "confidence_anomaly"),  # the same event re-raised
            _incident("upstream", day(45), "null_fraction,schema_change"),
            _incident("perturbation", None, "perturbation_failure", standing=True),
        ]
    )
    episodes = pd.DataFrame(
        [
            _episode("shift", "class_drift", "class_mix", ("channel", "chat")),
            _episode("chance", "confidence_anomaly", "billing"),
            _episode("typing", "confidence_anomaly", ALL),
            _episode("typing again", "confidence_anomaly", "technical", ("country", "DE")),
            _episode("upstream", "null_fraction", "order_value"),
            _episode("upstream", "schema_change", "app_version"),
            _episode("upstream", "schema_change", "priority"),
            _episode("upstream", "schema_change", "order_value"),  # wrong subject for the dropped column
            _episode("perturbation", "perturbation_failure", "typos:billing"),
        ]
    )
    result = bench.score(events, incidents, episodes, pd.DataFrame({"alert_type": ["x"] * 9}), days=60)
    by_type = {row["event_type"]: row for row in result["events"]}
    assert by_type["class_share_shift"]["one_incident"] and by_type["class_share_shift"]["onset_error"] == 0
    assert by_type["typing_drift"]["onset_error"] == 1 and not by_type["typing_drift"]["detected"]
    assert by_type["typing_drift"]["incidents"] == 2
    for event_type in ("feature_nulled", "column_added", "column_type_changed"):
        assert by_type[event_type]["one_incident"], event_type
    assert by_type["column_dropped"]["incidents"] == 0
    assert by_type["cohort_feature_drift"]["incidents"] == 0 and not by_type["cohort_feature_drift"]["detected"]
    summary = result["summary"]
    assert (summary["detected"], summary["one_incident"], summary["false"], summary["standing"]) == (4, 4, 1, 1)
    assert summary["false_per_30d"] == 0.5 and summary["onset_errors"] == "0 1 0 0 - 0 -"
    assert result["false_incidents"][0]["alert_types"] == ["confidence_anomaly"]
    assert [i["title"] for i in by_type["typing_drift"]["raised"]] == ["typing", "typing again"]


@pytest.mark.slow
def test_a_build_without_the_incident_models_is_a_clear_error(tmp_path):
    bench = _bench()
    db = tmp_path / "no_incidents.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(f"create schema {DUCKDB_OUTPUT_SCHEMA}")
        con.execute(f"create table {DUCKDB_OUTPUT_SCHEMA}.{ALERTS} (alert_type varchar)")
    project = Project.load(
        package_root() / "demo", package_root() / "profiles", "duckdb", {}, {"ML_MONITOR_DUCKDB_PATH": str(db)}
    )
    with pytest.raises(bench.BenchError, match="ml_monitor_incidents was not built"):
        bench.read_outputs(project)


@pytest.mark.slow
def test_bench_runs_end_to_end_on_a_tiny_log(tmp_path, capsys):
    """The script's main in this process (its dbt commands too: conftest), as the command line runs it."""
    workdir = tmp_path / "alerts"
    bench = _bench()
    code = bench.main(["--scenarios", "stable", "--days", "6", "--per-day", "150", "--workdir", str(workdir)])
    out, err = capsys.readouterr()
    assert code == 0, out[-2000:] + err[-2000:]
    result = json.loads((workdir / "alerts.json").read_text())
    (scenario,) = result["scenarios"]
    assert set(scenario["summary"]) == {key for key, _ in bench.COLUMNS}
    assert scenario["summary"]["events"] == 0 and scenario["events"] == []
    assert scenario["summary"]["false"] == len(scenario["false_incidents"])
    header = "| " + " | ".join(heading for _, heading in bench.COLUMNS) + " |"
    assert header in (workdir / "alerts.md").read_text().splitlines()
    assert any(line.split()[:1] == ["stable"] for line in out.splitlines())
