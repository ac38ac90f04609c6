"""The generated demo: its tables as written to DuckDB, and the drift planted in them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import duckdb
import joblib
import numpy as np
import pandas as pd
import pytest

from conftest import ml_monitor
from ml_monitor import demo
from ml_monitor.demo.generate import _reference_and_router
from ml_monitor.errors import MonitorError
from ml_monitor.names import DUCKDB_OUTPUT_SCHEMA

START = date(2026, 1, 1)
DAYS = 60
PER_DAY = 300


@pytest.fixture(scope="module")
def data() -> demo.DemoData:
    return demo.generate(predictions_per_day=PER_DAY, days=DAYS, seed=11, start=START)


@pytest.fixture(scope="module")
def con(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.write_duckdb(data, path)
    with duckdb.connect(str(path), read_only=True) as connection:
        yield connection


def day_start(day: int) -> datetime:
    return datetime.combine(START + timedelta(days=day - 1), datetime.min.time())


def column_types(con, table: str) -> dict[str, str]:
    return dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table})").fetchall())


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchone()[0]


def test_predictions_columns_and_types(con):
    assert column_types(con, "predictions") == {
        "prediction_id": "VARCHAR",
        "model_id": "VARCHAR",
        "model_version": "VARCHAR",
        "predicted_at": "TIMESTAMP",
        "predicted_class": "VARCHAR",
        "confidence": "DOUBLE",
        "label": "VARCHAR",
        "channel": "VARCHAR",
        "country": "VARCHAR",
        "customer_tier": "VARCHAR",
        "product": "VARCHAR",
        "previous_tickets": "INTEGER",
        "account_age_days": "INTEGER",
        "order_value": "DOUBLE",
        "ticket_text": "VARCHAR",
        "priority": "VARCHAR",
        "app_version": "VARCHAR",
    }


def test_reference_columns_and_types(con):
    assert column_types(con, "reference") == {
        "prediction_id": "VARCHAR",
        "model_id": "VARCHAR",
        "split": "VARCHAR",
        "label": "VARCHAR",
        "predicted_class": "VARCHAR",
        "confidence": "DOUBLE",
        "channel": "VARCHAR",
        "country": "VARCHAR",
        "customer_tier": "VARCHAR",
        "product": "VARCHAR",
        "previous_tickets": "INTEGER",
        "account_age_days": "INTEGER",
        "order_value": "DOUBLE",
        "ticket_text": "VARCHAR",
        "priority": "INTEGER",
        "legacy_segment": "VARCHAR",
    }


def test_demo_events_columns_and_rows(con):
    assert column_types(con, "demo_events") == {
        "event_id": "INTEGER",
        "event_type": "VARCHAR",
        "starts_at": "TIMESTAMP",
        "day": "INTEGER",
        "cohort_name": "VARCHAR",
        "cohort_value": "VARCHAR",
        "subject": "VARCHAR",
        "description": "VARCHAR",
    }
    events = con.execute(
        "SELECT event_type, day, starts_at, cohort_name, cohort_value, subject FROM demo_events ORDER BY event_id"
    ).fetchall()
    assert events == [
        ("class_share_shift", 30, day_start(30), "channel", "chat", demo.SHIFT_CLASS),
        ("typing_drift", 40, day_start(40), None, None, "ticket_text"),
        ("feature_nulled", 45, day_start(45), None, None, "order_value"),
        ("column_added", 45, day_start(45), None, None, "app_version"),
        ("column_dropped", 45, day_start(45), None, None, "legacy_segment"),
        ("column_type_changed", 45, day_start(45), None, None, "priority"),
        ("logger_drop", 50, day_start(50), "channel", "web", "rows"),
        ("labels_stopped", 55, day_start(55), "country", "DE", "labels"),
        ("cohort_feature_drift", 35, day_start(35), "country", "DE", "order_value"),
        ("joint_change", 50, day_start(50), None, None, "previous_tickets,account_age_days"),
    ]
    assert demo.planted_dates(START) == {
        "class_shift": date(2026, 1, 30),
        "typing": date(2026, 2, 9),
        "upstream": date(2026, 2, 14),
        "logger_drop": date(2026, 2, 19),
        "label_stop": date(2026, 2, 24),
        "cohort_drift": date(2026, 2, 4),
        "joint_change": date(2026, 2, 19),
    }


def test_serving_log_rows(con):
    n, distinct_ids, first, last, classes, min_conf, max_conf = con.execute(
        "SELECT count(*), count(DISTINCT prediction_id), min(predicted_at), max(predicted_at), "
        "list(DISTINCT predicted_class ORDER BY predicted_class), min(confidence), max(confidence) "
        "FROM predictions"
    ).fetchone()
    # the web channel's logger keeps one row in ten on the logger-drop days
    kept = scalar(
        con,
        f"SELECT count(*) FROM predictions WHERE channel = 'web' AND predicted_at >= "
        f"'{day_start(demo.LOGGER_DROP_DAY)}' AND predicted_at < "
        f"'{day_start(demo.LOGGER_DROP_DAY + demo.LOGGER_DROP_DAYS)}'",
    )
    assert n == distinct_ids and 0 < kept < (PER_DAY * DAYS - n) / 5
    assert day_start(1) <= first < day_start(2) and day_start(DAYS) <= last < day_start(DAYS + 1)
    assert classes == sorted(demo.CLASSES)
    assert 0 < min_conf <= max_conf <= 1
    assert scalar(con, "SELECT count(DISTINCT model_id) FROM predictions") == 1
    assert scalar(con, "SELECT count(DISTINCT hour(predicted_at)) FROM predictions") == 24


def test_labels_are_partial_and_fewer_for_the_last_week(con):
    settled, recent = con.execute(
        "SELECT avg((label IS NOT NULL)::INT) FILTER (WHERE predicted_at < ?), "
        "       avg((label IS NOT NULL)::INT) FILTER (WHERE predicted_at >= ?) FROM predictions",
        [day_start(DAYS - 6), day_start(DAYS - 6)],
    ).fetchone()
    assert settled == pytest.approx(0.4, abs=0.03)
    assert recent == pytest.approx(0.1, abs=0.03)


def test_reference_splits_and_model_outputs(con):
    rows = con.execute(
        "SELECT split, count(*), count(predicted_class), count(confidence), "
        "avg((predicted_class = label)::INT), avg(confidence) FROM reference GROUP BY split"
    ).fetchall()
    by_split = {split: rest for split, *rest in rows}
    total = sum(n for n, *_ in by_split.values())
    n_train, train_predicted, train_scored, _, _ = by_split["train"]
    n_val, val_predicted, val_scored, accuracy, confidence = by_split["validation"]
    assert n_train / total == pytest.approx(0.7, abs=0.02)
    assert train_predicted == train_scored == 0
    assert val_predicted == val_scored == n_val
    assert 0.85 <= accuracy <= 0.92
    assert 0.70 <= confidence <= 0.85
    shift_share = scalar(con, "SELECT avg((label = ?)::INT) FROM reference", demo.SHIFT_CLASS)
    assert shift_share == pytest.approx(0.12, abs=0.01)


def test_stable_days_match_the_reference(con):
    """Before any planted event, features come from the reference's distributions."""
    sql = (
        "SELECT avg((channel = 'chat')::INT), avg((country = 'US')::INT), "
        "median(order_value), avg(previous_tickets), median(account_age_days) FROM {}"
    )
    reference = con.execute(sql.format("reference")).fetchone()
    stable = con.execute(sql.format("predictions") + " WHERE predicted_at < ?", [day_start(30)]).fetchone()
    assert stable == pytest.approx(reference, rel=0.1)
    distinct = con.execute(
        "SELECT count(DISTINCT order_value), count(DISTINCT account_age_days) FROM predictions"
    ).fetchone()
    assert min(distinct) > 500


def shift_share_ratio(con, channel: str) -> float:
    """The shift class's share of labels from day 30 on, over its share before."""
    return scalar(
        con,
        """
        SELECT avg((label = ?)::INT) FILTER (WHERE predicted_at >= ?)
             / avg((label = ?)::INT) FILTER (WHERE predicted_at < ?)
        FROM predictions WHERE channel = ? AND label IS NOT NULL""",
        demo.SHIFT_CLASS,
        day_start(30),
        demo.SHIFT_CLASS,
        day_start(30),
        channel,
    )


def test_shift_class_doubles_in_chat_only(con):
    assert 1.5 <= shift_share_ratio(con, "chat") <= 2.6
    assert 0.7 <= shift_share_ratio(con, "email") <= 1.4
    assert 0.7 <= shift_share_ratio(con, "web") <= 1.4


def test_typing_drift_lowers_confidence_every_day(con):
    daily = con.execute("SELECT predicted_at::DATE AS day, avg(confidence) FROM predictions GROUP BY day").fetchall()
    typing_day = demo.planted_dates(START)["typing"]
    before = [mean for day, mean in daily if day < typing_day]
    after = [mean for day, mean in daily if day >= typing_day]
    assert sum(before) / len(before) - sum(after) / len(after) >= 0.08
    assert max(after) < min(before)
    typed = "ticket_text = lower(ticket_text) AND NOT regexp_matches(ticket_text, '[.,?]')"
    typed_before, typed_after = con.execute(
        f"SELECT avg(({typed})::INT) FILTER (WHERE predicted_at < ?), "
        f"       avg(({typed})::INT) FILTER (WHERE predicted_at >= ?) FROM predictions",
        [day_start(40), day_start(40)],
    ).fetchone()
    assert typed_before == 0
    assert typed_after == pytest.approx(0.7, abs=0.05)


def test_upstream_change_nulls_order_value_and_adds_app_version(con):
    counts = con.execute(
        "SELECT predicted_at >= ? AS changed, count(*), count(order_value), count(app_version) "
        "FROM predictions GROUP BY changed ORDER BY changed",
        [day_start(45)],
    ).fetchall()
    (_, n_before, values_before, versions_before), (_, _, values_after, versions_after) = counts
    assert values_before == n_before and versions_before == 0
    assert values_after == 0 and versions_after > 0
    priorities = scalar(con, "SELECT list(DISTINCT priority ORDER BY priority) FROM predictions")
    assert priorities == ["P1", "P2", "P3"]


def test_joint_change_keeps_each_days_values_and_pairs_them_by_rank(con):
    first, second = demo.JOINT_FEATURES
    daily = con.execute(
        f"SELECT predicted_at::DATE >= ? AS changed, corr(rank_x, rank_y) FROM ("
        f"  SELECT predicted_at, rank() OVER (PARTITION BY predicted_at::DATE ORDER BY {first}) AS rank_x,"
        f"         rank() OVER (PARTITION BY predicted_at::DATE ORDER BY {second}) AS rank_y FROM predictions)"
        f" GROUP BY changed ORDER BY changed",
        [demo.planted_dates(START)["joint_change"]],
    ).fetchall()
    (_, before), (_, after) = daily
    assert abs(before) < 0.05 and after > 0.95
    # the generator re-pairs one day's values: without the change the day holds the same ones
    # (the log's last day, past the logger drop, which keeps other rows of a re-paired day)
    day = START + timedelta(days=DAYS - 1)
    without = demo.generate(
        predictions_per_day=PER_DAY, days=DAYS, seed=11, start=START, scenario=replace(demo.DEMO, joint_change_day=None)
    )
    unchanged = without.predictions.select(["predicted_at", first, second]).to_pandas()
    unchanged = unchanged[unchanged["predicted_at"].dt.date == day]
    for name in (first, second):
        changed = con.execute(f"SELECT {name} FROM predictions WHERE predicted_at::DATE = ?", [day]).df()[name]
        assert sorted(changed) == sorted(unchanged[name])


def test_class_keywords_point_to_their_class(data):
    # a keyword alone, without the rest of its sentence, mostly routes to its class
    for cls, keywords in demo.CLASS_KEYWORDS.items():
        assert (data.model.predict(keywords) == cls).mean() >= 0.8, cls


def test_same_seed_same_data_and_short_runs_record_only_their_events():
    first = demo.generate(predictions_per_day=20, days=42, seed=5)
    _reference_and_router.cache_clear()  # the second log's router trained anew, from the seed too
    second = demo.generate(predictions_per_day=20, days=42, seed=5)
    assert first.predictions.equals(second.predictions)
    pd.testing.assert_frame_equal(first.reference, second.reference)
    pd.testing.assert_frame_equal(first.events, second.events)
    assert list(first.events["event_type"]) == ["class_share_shift", "typing_drift", "cohort_feature_drift"]


def test_cohort_drift_doubles_one_feature_in_one_cohort_and_draws_nothing():
    """Without the cohort drift the log is the same but for order_value in DE from its day."""
    planted = (
        demo.generate(predictions_per_day=50, days=demo.UPSTREAM_DAY, seed=3)
        .predictions.unify_dictionaries()
        .to_pandas()
    )
    without = (
        demo.generate(
            predictions_per_day=50, days=demo.UPSTREAM_DAY, seed=3, scenario=replace(demo.DEMO, cohort_drift_day=None)
        )
        .predictions.unify_dictionaries()
        .to_pandas()
    )
    feature, (name, value) = demo.COHORT_DRIFT_FEATURE, demo.COHORT_DRIFT_COHORT
    moved = (
        (planted[name] == value)
        & (planted.predicted_at >= pd.Timestamp(demo.planted_dates()["cohort_drift"]))
        & planted[feature].notna()
    )
    assert moved.sum() > 0
    pd.testing.assert_frame_equal(planted.drop(columns=feature), without.drop(columns=feature))
    pd.testing.assert_series_equal(planted[feature][~moved], without[feature][~moved])
    np.testing.assert_array_equal(planted[feature][moved], without[feature][moved] * demo.COHORT_DRIFT_FACTOR)


def test_log_failures_change_only_their_rows(data):
    """The logger drop removes rows of its channel on its days, the label stop blanks its
    country's labels from its day: every other row is what the log without them has."""
    plain = demo.generate(
        predictions_per_day=PER_DAY,
        days=DAYS,
        seed=11,
        start=START,
        scenario=replace(demo.DEMO, logger_drop_day=None, label_stop_day=None),
    ).predictions
    with_events, without = (t.drop_columns(["ticket_text"]).to_pandas() for t in (data.predictions, plain))
    without = without.set_index("prediction_id")
    day = (without.predicted_at - pd.Timestamp(START)).dt.days + 1
    drop_days = day.between(demo.LOGGER_DROP_DAY, demo.LOGGER_DROP_DAY + demo.LOGGER_DROP_DAYS - 1)
    name, value = demo.LOGGER_COHORT
    lost = without.index.difference(with_events.prediction_id)
    assert ((without.loc[lost, name] == value) & drop_days[lost]).all()
    per_day = day[(without[name] == value) & drop_days].value_counts()
    assert len(lost) == sum(k - -(-k // demo.LOGGER_KEPT_EVERY) for k in per_day)  # one in ten kept
    got = with_events.set_index("prediction_id")
    expected = without.loc[got.index]
    stop_name, stop_value = demo.LABEL_STOP_COHORT
    stopped = (expected[stop_name] == stop_value) & (day[got.index] >= demo.LABEL_STOP_DAY)
    assert got.loc[stopped, "label"].isna().all()
    pd.testing.assert_frame_equal(got[~stopped], expected[~stopped])
    pd.testing.assert_frame_equal(got[stopped].drop(columns="label"), expected[stopped].drop(columns="label"))


def test_stale_hours_move_now():
    assert demo.generate(predictions_per_day=5, days=3, start=START).now == datetime(2026, 1, 4)
    assert demo.generate(predictions_per_day=5, days=3, start=START, stale_hours=30).now == datetime(2026, 1, 5, 6)
    with pytest.raises(MonitorError):
        demo.generate(predictions_per_day=5, days=3, stale_hours=-1)


def test_empty_demo_is_refused():
    with pytest.raises(MonitorError):
        demo.generate(days=0)


def test_save_model_round_trips(data, tmp_path):
    path = tmp_path / "models" / "router.joblib"
    demo.save_model(data.model, path)
    texts = ["I was charged twice for my subscription.", "my parcel is late"]
    assert (joblib.load(path).predict_proba(texts) == data.model.predict_proba(texts)).all()


@pytest.mark.slow
def test_the_cli_demo_starts_its_file_afresh_and_says_where_everything_is(tmp_path, capfd):
    """`ml-monitor demo` (run_demo behind it): the log replaces whatever the demo's file held,
    the model and the report land in the output folder, and the output says where."""
    with duckdb.connect(str(tmp_path / demo.DATABASE)) as con:
        con.execute("create table leftover as select 1 as x")
    result = ml_monitor(
        capfd,
        "demo",
        "--predictions-per-day",
        "20",
        "--days",
        "2",
        "--seed",
        "3",
        "--output-dir",
        str(tmp_path),
        "--steps",
        "report",
    )
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Generating 40 predictions over 2 days ..."
    assert f"DuckDB file: {tmp_path / demo.DATABASE} (schema {DUCKDB_OUTPUT_SCHEMA})" in lines
    assert lines[-1] == f"Report: {tmp_path / 'ml_monitor_report.html'}"
    assert (tmp_path / "ml_monitor_report.html").exists() and (tmp_path / "ticket_router.joblib").exists()
    expected = demo.generate(predictions_per_day=20, days=2, seed=3)
    with duckdb.connect(str(tmp_path / demo.DATABASE), read_only=True) as con:
        tables = {name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()}
        assert tables == {"predictions", "reference", "demo_events"}
        got = con.execute("select prediction_id, confidence from predictions order by prediction_id").df()
    want = expected.predictions.select(["prediction_id", "confidence"]).to_pandas()
    pd.testing.assert_frame_equal(got, want.sort_values("prediction_id", ignore_index=True))
