"""Bad input gets a specific error or a counted, reported exclusion (README, "What happens
when your data is bad"): every case on a tiny dbt project over a DuckDB file."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import duckdb
import numpy as np
import pandas as pd
import pytest

from ml_monitor import runner
from ml_monitor.errors import MonitorError

from _tiny_project import (build, cli, db_path, reference, serving_log, sql, table, tiny_project,
                           write_tables)

D1, D2, D3 = (pd.Timestamp("2024-03-01") + pd.Timedelta(days=d) for d in range(3))
TOLERANCE = 0.05
# A session time zone west of UTC: "now" and a time-zone-aware predicted_at must still be UTC.
LOS_ANGELES = {"TimeZone": "America/Los_Angeles"}


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _bad_log() -> pd.DataFrame:
    """Model `main`: 40 valid predictions a day on D1..D3, then rows of each kind of bad
    input. Model `solo`: a single-class model, all valid."""
    log = serving_log(n_per_day=40, days=3)
    log.loc[0, "confidence"], log.loc[1, "confidence"] = 0.0, 1.0  # the bounds are valid
    bad = [
        # (prediction_id, predicted_at, predicted_class, confidence)
        ("null-conf", D1 + pd.Timedelta(hours=1), "a", None),
        ("nan-conf", D1 + pd.Timedelta(hours=2), "a", 0.5),  # set to NaN below: pandas would store NULL
        ("negative", D1 + pd.Timedelta(hours=3), "b", -0.1),
        ("above-one", D1 + pd.Timedelta(hours=4), "b", 1.5),
        ("null-class", D2 + pd.Timedelta(hours=1), None, 0.7),
        ("p45", D2 + pd.Timedelta(hours=20), "b", 0.61),  # p45 is logged on D2: two more copies
        ("p45", D2 + pd.Timedelta(hours=21), "a", 0.62),
        (None, D2 + pd.Timedelta(hours=2), "a", 0.8),
        ("no-time", None, "a", 0.9),
        ("future", _utc_now() + timedelta(days=2), "a", 0.9),
        ("p0", D3 + pd.Timedelta(hours=5), "a", 0.55),  # p0 was logged on D1: only that copy counts
        ("new-1", D3 + pd.Timedelta(hours=6), "c", 0.7),  # class c is not in the reference
        ("new-2", D3 + pd.Timedelta(hours=7), "c", 0.8),
        ("new-3", D3 + pd.Timedelta(hours=8), "c", 0.9),
        ("recent", _utc_now() - timedelta(hours=1), "a", 0.9),  # UTC, an hour ago: not in the future
    ]
    rows = pd.DataFrame(bad, columns=["prediction_id", "predicted_at", "predicted_class", "confidence"])
    rows["country"] = "FR"
    solo = serving_log(n_per_day=10, days=3, classes=("only",))
    solo["prediction_id"] = "s-" + solo["prediction_id"]
    return pd.concat([pd.concat([log, rows]).assign(model_id="main"), solo.assign(model_id="solo")], ignore_index=True)


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    project = tiny_project(tmp_path_factory.mktemp("bad_input"), settings=LOS_ANGELES,
                           ml_monitor_cohorts=["country"], ml_monitor_exclusion_tolerance=TOLERANCE)
    log = _bad_log()
    ref = pd.concat([reference().assign(model_id="main"), reference(classes=("only",)).assign(model_id="solo")])
    write_tables(project, predictions=log, reference=ref)
    with duckdb.connect(str(db_path(project))) as con:
        con.execute("update main.predictions set confidence = 'NaN'::double where prediction_id = 'nan-conf'")
        # a DECIMAL confidence is a number too
        con.execute("alter table main.reference alter column confidence type decimal(6, 4)")
    build(project)
    return project, log


def _bucket_of(log: pd.DataFrame, prediction_id: str) -> pd.Timestamp:
    return log.loc[log.prediction_id == prediction_id, "predicted_at"].dt.floor("D").iloc[0]


def _main(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame.model_id == "main"]


EXPECTED_EXCLUSIONS = {  # (bucket, reason) -> rows
    (D1, "confidence_null"): 1,
    (D1, "confidence_out_of_range"): 3,
    (D2, "predicted_class_null"): 1,
    (D2, "duplicate_prediction_id"): 2,
    (D2, "prediction_id_null"): 1,
    (D3, "duplicate_across_buckets"): 1,
    (None, "predicted_at_null"): 1,
    ("future", "predicted_at_future"): 1,
}


def test_each_bad_row_is_counted_per_reason_and_bucket(bad_run):
    project, log = bad_run
    quality = table(project, "ml_monitor_data_quality")
    assert set(quality.model_id) == {"main"}
    future = _bucket_of(log, "future")
    got = {(None if pd.isna(b) else ("future" if b == future else b), r): n
           for b, r, n in zip(quality.bucket_start, quality.reason, quality.n_rows)}
    assert got == EXPECTED_EXCLUSIONS
    buckets = _main(log)["predicted_at"].dt.floor("D")
    for row in quality.itertuples():
        in_bucket = buckets.isna() if pd.isna(row.bucket_start) else buckets == row.bucket_start
        assert row.n_bucket_rows == in_bucket.sum()
        assert row.excluded_share == pytest.approx(row.n_rows / row.n_bucket_rows)
        assert row.is_alert == (row.n_rows / row.n_bucket_rows > TOLERANCE)


def test_exclusions_past_the_tolerance_raise_alerts(bad_run):
    project, _ = bad_run
    alerts = table(project, "ml_monitor_alerts")
    alerts = alerts[alerts.alert_type == "data_quality"]
    assert sorted(alerts["subject"]) == ["confidence_out_of_range", "predicted_at_future", "predicted_at_null"]
    assert (alerts["metric"] == "excluded_share").all() and (alerts["threshold"] == TOLERANCE).all()
    assert alerts.set_index("subject").loc["confidence_out_of_range", "value"] == pytest.approx(3 / 44)


def test_monitors_count_only_valid_rows(bad_run):
    project, log = bad_run
    confidence = _main(table(project, "ml_monitor_confidence"))
    population = confidence[(confidence.cohort_name == "__all__") & (confidence.predicted_class == "__all__")]
    population = population.set_index("bucket_start")
    valid = _main(log)[_main(log).prediction_id.str.match(r"^p\d+$", na=False)]
    first_copies = valid.sort_values("predicted_at").drop_duplicates("prediction_id")  # p45's and p0's first
    for day, extra in ((D1, []), (D2, []), (D3, [0.7, 0.8, 0.9])):
        values = np.r_[first_copies[first_copies.predicted_at.dt.floor("D") == day]["confidence"].to_numpy(float), extra]
        got = population.loc[day]
        assert got.n == len(values)  # p45 and p0 once, the NaN and the rest never
        assert got.mean_confidence == pytest.approx(values.mean(), rel=1e-12)
        assert got.var_confidence == pytest.approx(values.var(ddof=1), rel=1e-9)
        assert got.min_confidence == values.min() and got.max_confidence == values.max()
    recent = _bucket_of(log, "recent")
    assert population.loc[recent].n == 1  # the row from an hour ago (UTC) is valid, not "future"
    assert population.index.max() == recent  # the future row is in no monitor


def test_a_class_unseen_in_the_reference_is_a_new_class(bad_run):
    project, _ = bad_run
    drift = _main(table(project, "ml_monitor_class_drift")).set_index(["bucket_start", "cohort_name", "cohort_value"])
    assert drift.loc[(D3, "__all__", "__all__"), "new_classes"] == 1
    assert drift.loc[(D3, "__all__", "__all__"), "new_class_share"] == pytest.approx(3 / 43)  # 40 + 3 new, p0's copy left out
    assert drift.loc[(D2, "__all__", "__all__"), "new_classes"] == 0
    shares = _main(table(project, "ml_monitor_class_distribution"))
    c = shares[(shares.bucket_start == D3) & (shares.cohort_name == "__all__") & (shares.predicted_class == "c")]
    assert c["n"].tolist() == [3] and c["reference_share"].tolist() == [0]


def test_single_class_model(bad_run):
    project, log = bad_run
    drift = table(project, "ml_monitor_class_drift")
    drift = drift[drift.model_id == "solo"]
    assert len(drift) == 3 * 3  # buckets x (population, FR, DE)
    for metric in ["psi", "js_distance", "linf", "chi2_statistic", "chi2_dof", "new_classes"]:
        assert (drift[metric] == 0).all(), metric
    conf = table(project, "ml_monitor_confidence")
    solo = conf[(conf.model_id == "solo") & (conf.cohort_name == "__all__")]
    assert set(solo.predicted_class) == {"__all__", "only"} and solo.n.sum() == 2 * (log.model_id == "solo").sum()
    result = cli(project, "fit-thresholds")
    assert result.returncode == 0, result.stderr
    thresholds = sql(project, "select * from main_ml_monitor.ml_monitor_thresholds order by 1, 2")
    assert thresholds[["model_id", "predicted_class"]].values.tolist() == [["main", "a"], ["main", "b"], ["solo", "only"]]


# --- whole tables that are empty or partial -----------------------------------------------------

def test_empty_serving_log_and_no_holdout_split(tmp_path):
    """An empty log builds (dbt build, tests included) into empty monitors, and the report
    says so; a reference without holdout rows is fine until thresholds are fitted."""
    project = tiny_project(tmp_path, ml_monitor_cohorts=["country"])
    write_tables(project, predictions=serving_log().iloc[:0], reference=reference(holdout=False))
    runner.build(project)
    for name in ["ml_monitor_base_stats", "ml_monitor_confidence", "ml_monitor_class_drift", "ml_monitor_null_fractions",
                 "ml_monitor_threshold_bands", "ml_monitor_data_quality", "ml_monitor_alerts", "ml_monitor_label_queue"]:
        assert table(project, name).empty, name
    assert len(table(project, "ml_monitor_reference_class_shares")) == 2
    result = cli(project, "report", "--output", str(tmp_path / "report.html"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "report.html").stat().st_size > 1000
    result = cli(project, "fit-thresholds")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        'Error: "main_ml_monitor"."stg_ml_monitor__reference" has no row with split = \'validation\': no holdout rows'
        " to fit thresholds on (load the model's validation rows, or set ml_monitor_holdout_split)"]


def test_empty_reference_is_a_clear_error(tmp_path):
    project = tiny_project(tmp_path)
    write_tables(project, predictions=serving_log(), reference=reference().iloc[:0])
    result = cli(project, "build")
    assert result.returncode == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert "has no rows of the training split 'train' (var ml_monitor_reference_split)" in message


# --- configuration that does not match the tables: compile-time errors ----------------------

def _build_error(project) -> str:
    """`ml-monitor build` of the staging models: exit 1 and one line on stderr."""
    result = cli(project, "build", "--select", "stg_ml_monitor__predictions stg_ml_monitor__reference")
    assert result.returncode == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message, message
    return message


def test_missing_configured_columns_name_the_var_and_the_column(tmp_path):
    """The log lacks a cohort column, the reference the column mapped to confidence."""
    project = tiny_project(tmp_path, ml_monitor_columns={"confidence": "score"}, ml_monitor_cohorts=["country", "Channel"])
    log = serving_log().rename(columns={"confidence": "score"})
    write_tables(project, predictions=log, reference=reference().assign(Channel="web"))
    message = _build_error(project)
    assert ('ml_monitor: column \'Channel\' (from var ml_monitor_cohorts) does not exist in "warehouse"."main".'
            '"predictions"; its columns are: prediction_id, predicted_at, predicted_class, score, country') in message
    assert ("ml_monitor: column 'score' (from var ml_monitor_columns.confidence) does not exist in "
            '"warehouse"."main"."reference"') in message


def test_wrong_column_types_are_compile_time_errors(tmp_path):
    """Text where a number or a timestamp belongs is refused before any row is read, with the
    column, its type and what it must be (a cast would fail on the first bad value, or drop
    the time zone): predicted_at in the log, confidence in the reference."""
    project = tiny_project(tmp_path, ml_monitor_columns={"predicted_at": "my time"})
    log = serving_log().rename(columns={"predicted_at": "my time"})
    log["my time"] = ["2024-03-01 10:00:00+02:00", "yesterday"] * (len(log) // 2)
    ref = reference()
    ref["confidence"] = ["0.9", "abc"] * (len(ref) // 2)
    write_tables(project, predictions=log, reference=ref)
    message = _build_error(project)
    assert ("ml_monitor: column 'my time' (from var ml_monitor_columns.predicted_at) in \"warehouse\".\"main\"."
            "\"predictions\" has type ") in message
    assert ", but predicted_at must be a timestamp (UTC, or with a time zone) or a date; cast it in a view" in message
    assert ("ml_monitor: column 'confidence' (from canonical column confidence (map it in var ml_monitor_columns)) in "
            "\"warehouse\".\"main\".\"reference\" has type ") in message
    assert ", but confidence must be numeric (a score in [0, 1])" in message


# --- time zones ---------------------------------------------------------------------------------

def test_time_zone_aware_timestamps_are_bucketed_in_utc(tmp_path):
    """A TIMESTAMP WITH TIME ZONE is bucketed by its UTC day in a session far east of UTC
    (a plain cast would take the session's local day)."""
    project = tiny_project(tmp_path, settings={"TimeZone": "Pacific/Kiritimati"})
    log = serving_log(n_per_day=6, days=2, cohort=None)
    # 23:30 and 00:30 UTC: the session's local day differs from the UTC day
    log["predicted_at"] = [pd.Timestamp(t, tz="UTC") for t in
                           ["2024-03-01 23:30", "2024-03-01 00:30", "2024-03-01 12:00"] * 2
                           + ["2024-03-02 23:59:59", "2024-03-02 00:00", "2024-03-02 13:00"] * 2]
    recent = pd.Timestamp(_utc_now() - timedelta(minutes=30), tz="UTC")
    log.loc[0, "predicted_at"] = recent  # not in the future, whatever the session's zone
    write_tables(project, predictions=log, reference=reference(cohort=None))
    assert sql(project, "select data_type from information_schema.columns where table_name = 'predictions'"
                        " and column_name = 'predicted_at'")["data_type"].tolist() == ["TIMESTAMP WITH TIME ZONE"]
    build(project, "+ml_monitor_confidence +ml_monitor_data_quality", command="run")
    conf = table(project, "ml_monitor_confidence")
    counts = conf[(conf.predicted_class == "__all__")].set_index("bucket_start")["n"].to_dict()
    assert counts == {pd.Timestamp("2024-03-01"): 5, pd.Timestamp("2024-03-02"): 6, recent.tz_localize(None).floor("D"): 1}
    assert table(project, "ml_monitor_data_quality").empty
