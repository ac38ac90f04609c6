"""Bad input gets a specific error or a counted, reported exclusion (README, "What happens
when your data is bad"): every case on a tiny dbt project over a DuckDB file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from _tiny_project import (
    OUTPUT_SCHEMA,
    build,
    cli,
    cli_in_process,
    db_path,
    non_finite_numbers,
    reference,
    serving_log,
    sql,
    table,
    tiny_project,
    write_tables,
)
from ml_monitor import runner
from ml_monitor.names import ALL, NULL
from ml_monitor.warehouse import DuckDBWarehouse

pytestmark = pytest.mark.slow  # dbt builds of tiny projects

D1, D2, D3 = (pd.Timestamp("2024-03-01") + pd.Timedelta(days=d) for d in range(3))
EPOCH = pd.Timestamp("1970-01-01 00:00:05")
TOLERANCE = 0.05
# A session time zone west of UTC: "now" and a time-zone-aware predicted_at must still be UTC.
LOS_ANGELES = {"TimeZone": "America/Los_Angeles"}


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _bad_log() -> pd.DataFrame:
    """Model `main`: 40 valid predictions a day on D1..D3, then rows of each kind of bad
    input. Model `solo`: a single-class model, all valid. Numeric features: `amount` (5.0
    on D1, spread out later; NaN and ±Infinity set on four rows by the fixture) and
    `constant` (always 7.0)."""
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
        ("epoch", EPOCH, "a", 0.9),  # a placeholder date, before ml_monitor_min_predicted_at
        ("p0", D3 + pd.Timedelta(hours=5), "a", 0.55),  # p0 was logged on D1: only that copy counts
        ("new-1", D3 + pd.Timedelta(hours=6), "c", 0.7),  # class c is not in the reference
        ("new-2", D3 + pd.Timedelta(hours=7), "c", 0.8),
        ("new-3", D3 + pd.Timedelta(hours=8), "c", 0.9),
        ("recent", _utc_now() - timedelta(hours=1), "a", 0.9),  # UTC, an hour ago: not in the future
    ]
    rows = pd.DataFrame(bad, columns=["prediction_id", "predicted_at", "predicted_class", "confidence"])
    rows["country"] = "FR"
    log = pd.concat([log, rows], ignore_index=True)
    log["amount"] = np.where(log["predicted_at"] < D2, 5.0, 5.0 + np.arange(len(log)) % 4)
    log["constant"] = 7.0
    solo = serving_log(n_per_day=10, days=3, classes=("only",)).assign(amount=5.0, constant=7.0)
    solo["prediction_id"] = "s-" + solo["prediction_id"]
    return pd.concat([log.assign(model_id="main"), solo.assign(model_id="solo")], ignore_index=True)


NOT_FINITE = {"p5": "NaN", "p6": "Infinity", "p7": "-Infinity", "p50": "NaN"}  # p5..p7 on D1, p50 on D2
# Late labels, by case: p3 a newer and an undated label, p4 a tie (the smaller label wins), p5
# one label twice, p6 a NULL label, p7 a label no class of the model has; unknown ids.
LABELS = [
    ("p3", "b", D3),
    ("p3", "a", None),
    ("p4", "b", D3),
    ("p4", "a", D3),
    ("p5", "a", D3),
    ("p5", "a", D2),
    ("p6", None, D3),
    ("p7", "zebra", D3),
    ("ghost", "a", D3),
    (None, "a", D3),
]


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    project = tiny_project(
        tmp_path_factory.mktemp("bad_input"),
        settings=LOS_ANGELES,
        ml_monitor_cohorts=["country"],
        ml_monitor_features=["amount", "constant"],
        ml_monitor_labels_table="labels",
        ml_monitor_exclusion_tolerance=TOLERANCE,
    )
    log = _bad_log()
    ref = pd.concat([reference().assign(model_id="main"), reference(classes=("only",)).assign(model_id="solo")])
    ref["amount"], ref["constant"] = 5.0, 7.0  # one distinct value: a reference without spread
    labels = pd.DataFrame(LABELS, columns=["prediction_id", "label", "labeled_at"])
    write_tables(project, predictions=log, reference=ref, labels=labels)
    with duckdb.connect(str(db_path(project))) as con:
        con.execute("update main.predictions set confidence = 'NaN'::double where prediction_id = 'nan-conf'")
        for prediction_id, value in NOT_FINITE.items():
            con.execute(
                "update main.predictions set amount = ?::double where prediction_id = ?", [value, prediction_id]
            )
        con.execute("update main.reference set amount = 'NaN'::double where rowid < 2")
        # a DECIMAL confidence is a number too
        con.execute("alter table main.reference alter column confidence type decimal(6, 4)")
    output = build(project)
    return project, log, output


def _bucket_of(log: pd.DataFrame, prediction_id: str) -> pd.Timestamp:
    return log.loc[log.prediction_id == prediction_id, "predicted_at"].dt.floor("D").iloc[0]


def _main(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame.model_id == "main"]


EXPECTED_EXCLUSIONS = {  # (bucket, reason, column_name) -> rows
    (D1, "confidence_null", None): 1,
    (D1, "confidence_out_of_range", None): 3,
    (D2, "predicted_class_null", None): 1,
    (D2, "duplicate_prediction_id", None): 2,
    (D2, "prediction_id_null", None): 1,
    (D3, "duplicate_across_buckets", None): 1,
    (None, "predicted_at_null", None): 1,
    ("future", "predicted_at_future", None): 1,
    (EPOCH.floor("D"), "predicted_at_too_old", None): 1,
    (D1, "feature_not_finite", "amount"): 3,
    (D2, "feature_not_finite", "amount"): 1,
}


def test_each_bad_row_is_counted_per_reason_and_bucket(bad_run):
    project, log, _ = bad_run
    by_cohort = _main(table(project, "ml_monitor_data_quality"))
    quality = by_cohort[by_cohort.cohort_name == ALL]
    assert set(table(project, "ml_monitor_data_quality").model_id) == {"main", ALL}  # __all__: labels
    future = _bucket_of(log, "future")
    got = {
        (None if pd.isna(b) else ("future" if b == future else b), r, None if pd.isna(c) else c): n
        for b, r, c, n in zip(quality.bucket_start, quality.reason, quality.column_name, quality.n_rows)
        if not r.startswith("label_")
    }
    assert got == EXPECTED_EXCLUSIONS
    buckets = _main(log)["predicted_at"].dt.floor("D")
    for row in quality[~quality.reason.str.startswith("label_")].itertuples():
        in_bucket = buckets.isna() if pd.isna(row.bucket_start) else buckets == row.bucket_start
        assert row.n_bucket_rows == in_bucket.sum()
        assert row.excluded_share == pytest.approx(row.n_rows / row.n_bucket_rows)
        if pd.isna(row.bucket_start):
            assert not row.is_alert  # an undated problem is counted, not tested
    # the log's own reasons per country too: its rows add up to the population's
    countries = _main(log)["country"].fillna(NULL)
    per_country = by_cohort[by_cohort.cohort_name == "country"]
    assert set(per_country.reason) == {r for _, r, _ in EXPECTED_EXCLUSIONS} - {
        "duplicate_prediction_id",
        "duplicate_across_buckets",
        "late_outside_lookback",
    }
    for row in per_country.itertuples():
        in_bucket = buckets.isna() if pd.isna(row.bucket_start) else buckets == row.bucket_start
        assert row.n_bucket_rows == (in_bucket & (countries == row.cohort_value)).sum()
    summed = (
        per_country.fillna({"column_name": ""})
        .groupby(["bucket_start", "reason", "column_name"], dropna=False)
        .n_rows.sum()
    )
    population = (
        quality[quality.reason.isin(per_country.reason)]
        .fillna({"column_name": ""})
        .set_index(["bucket_start", "reason", "column_name"])
        .n_rows
    )
    pd.testing.assert_series_equal(summed.sort_index(), population.sort_index(), check_names=False, check_dtype=False)


def test_every_dated_exclusion_is_tested_for_an_alert(bad_run):
    """Each counted problem of a bucket is a data_quality test of ml_monitor_alert_tests (its
    share against the tolerance); a share of 1 in its bucket alerts."""
    project, _, _ = bad_run
    quality = table(project, "ml_monitor_data_quality").dropna(subset=["bucket_start"])
    tests = table(project, "ml_monitor_alert_tests")
    tests = tests[tests.alert_type == "data_quality"].set_index(
        ["model_id", "bucket_start", "cohort_name", "cohort_value", "subject"]
    )
    for row in quality.itertuples():
        subject = row.reason if pd.isna(row.column_name) else f"{row.reason}:{row.column_name}"
        tested = tests.loc[(row.model_id, row.bucket_start, row.cohort_name, row.cohort_value, subject)]
        assert tested.value == pytest.approx(row.excluded_share) and tested.threshold == TOLERANCE
        assert tested.is_effect == (row.excluded_share > TOLERANCE)
        assert row.is_alert == tested.is_alert  # the monitor's view shows the decision
    alerts = table(project, "ml_monitor_alerts")
    assert {"predicted_at_future", "predicted_at_too_old"} <= set(alerts[alerts.alert_type == "data_quality"].subject)


def test_monitors_count_only_valid_rows(bad_run):
    project, log, _ = bad_run
    confidence = _main(table(project, "ml_monitor_confidence"))
    population = confidence[(confidence.cohort_name == ALL) & (confidence.predicted_class == ALL)]
    population = population.set_index("bucket_start")
    valid = _main(log)[_main(log).prediction_id.str.match(r"^p\d+$", na=False)]
    first_copies = valid.sort_values("predicted_at").drop_duplicates("prediction_id")  # p45's and p0's first
    for day, extra in ((D1, []), (D2, []), (D3, [0.7, 0.8, 0.9])):
        values = np.r_[
            first_copies[first_copies.predicted_at.dt.floor("D") == day]["confidence"].to_numpy(float), extra
        ]
        got = population.loc[day]
        assert got.n == len(values)  # p45 and p0 once, the NaN and the rest never
        assert got.mean_confidence == pytest.approx(values.mean(), rel=1e-12)
        assert got.var_confidence == pytest.approx(values.var(ddof=1), rel=1e-9)
        assert got.min_confidence == values.min() and got.max_confidence == values.max()
    recent = _bucket_of(log, "recent")
    assert population.loc[recent].n == 1  # the row from an hour ago (UTC) is valid, not "future"
    assert population.index.max() == recent  # the future row is in no monitor


def test_a_class_unseen_in_the_reference_is_a_new_class(bad_run):
    project, _, _ = bad_run
    drift = _main(table(project, "ml_monitor_class_drift")).set_index(["bucket_start", "cohort_name", "cohort_value"])
    assert drift.loc[(D3, ALL, ALL), "new_classes"] == 1
    assert drift.loc[(D3, ALL, ALL), "new_class_share"] == pytest.approx(3 / 43)  # 40 + 3 new, p0's copy left out
    assert drift.loc[(D2, ALL, ALL), "new_classes"] == 0
    shares = _main(table(project, "ml_monitor_class_distribution"))
    c = shares[(shares.bucket_start == D3) & (shares.cohort_name == ALL) & (shares.predicted_class == "c")]
    assert c["n"].tolist() == [3] and c["reference_share"].tolist() == [0]


def test_single_class_model(bad_run):
    project, log, _ = bad_run
    drift = table(project, "ml_monitor_class_drift")
    drift = drift[drift.model_id == "solo"]
    assert len(drift) == 3 * 3  # buckets x (population, FR, DE)
    for metric in ["psi", "js_distance", "linf", "chi2_statistic", "chi2_dof", "new_classes"]:
        assert (drift[metric] == 0).all(), metric
    conf = table(project, "ml_monitor_confidence")
    solo = conf[(conf.model_id == "solo") & (conf.cohort_name == ALL)]
    assert set(solo.predicted_class) == {ALL, "only"} and solo.n.sum() == 2 * (log.model_id == "solo").sum()
    result = cli_in_process(project, "fit-thresholds")
    assert result.returncode == 0, result.stderr
    thresholds = sql(project, f"select * from {OUTPUT_SCHEMA}.ml_monitor_thresholds order by 1, 2")
    assert thresholds[["model_id", "predicted_class"]].values.tolist() == [
        ["main", "a"],
        ["main", "b"],
        ["solo", "only"],
    ]
    # every holdout prediction of solo is correct: defined numbers, P(correct) = 1
    assert thresholds[["precision", "recall", "f1"]].notna().all().all()
    calibration = sql(project, f"select * from {OUTPUT_SCHEMA}.ml_monitor_calibration where model_id = 'solo'")
    assert len(calibration) and (calibration["calibrated_probability"] == 1.0).all()


# --- values and labels that are read with care ---------------------------------------------------


def test_no_monitoring_number_is_nan_or_infinite(bad_run):
    project = bad_run[0]
    # the file as it is, without dbt parsing the project to connect (seconds)
    with DuckDBWarehouse(duckdb.connect(str(db_path(project)), read_only=True), OUTPUT_SCHEMA) as wh:
        tables = wh.query(
            "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'",
            [OUTPUT_SCHEMA],
        )["table_name"]
        found = {name: non_finite_numbers(wh, name, "duckdb") for name in tables}
    assert not any(found.values()), found


def test_non_finite_feature_values_are_missing_and_left_out_of_drift(bad_run):
    """NaN and ±Infinity in `amount` are missing values: counted (see EXPECTED_EXCLUSIONS),
    in the null fractions, and in no value count or bin edge. Against a reference of one
    distinct value, and for a feature that never varies, drift is defined: 0 where serving
    is that value too."""
    project, log, _ = bad_run
    nulls = (
        _main(table(project, "ml_monitor_null_fractions"))
        .query("cohort_name == '__all__'")
        .set_index(["column_name", "scope"])
    )
    overall = nulls.loc[("amount", "overall")]
    assert overall.null_count == len(NOT_FINITE)
    assert overall.reference_null_fraction == pytest.approx(2 / 40)  # two NaN among main's 40 training rows
    drift = (
        _main(table(project, "ml_monitor_feature_drift"))
        .query("cohort_name == '__all__'")
        .set_index(["feature", "bucket_start"])
    )
    assert (drift.loc["constant", ["psi", "js_distance", "ks_statistic"]] == 0).all().all()
    assert drift.loc[("amount", D1), "n"] == 40 - 3  # p5, p6, p7 are not finite
    assert (drift.loc[("amount", D1), ["psi", "js_distance", "ks_statistic"]] == 0).all()
    d2 = _main(log)[
        (_main(log).predicted_at.dt.floor("D") == D2) & _main(log).prediction_id.str.match(r"^p\d+$", na=False)
    ]
    d2 = d2[d2.prediction_id != "p50"].drop_duplicates("prediction_id")
    assert drift.loc[("amount", D2), "ks_statistic"] == pytest.approx(
        (d2.amount > 5).mean()
    )  # the reference is all 5.0
    assert drift.loc[("amount", D2), "psi"] > 0
    edges = table(project, "ml_monitor_reference_feature_edges")
    assert (
        (edges.filter(like="edge_") == edges.feature.map({"amount": 5.0, "constant": 7.0}).to_numpy()[:, None])
        .all()
        .all()
    )


def test_labels_are_chosen_alike_everywhere_and_problems_counted(bad_run):
    project, _, _ = bad_run
    labels = table(project, "stg_ml_monitor__labels")
    assert dict(zip(labels.prediction_id, labels.label)) == {
        "p3": "b",  # the dated label, not the undated one
        "p4": "a",  # a tie: the smaller label
        "p5": "a",
        "p7": "zebra",
        "ghost": "a",
    }
    quality = table(project, "ml_monitor_data_quality")
    problems = quality[quality.reason.str.startswith("label_")]
    got = {
        (m, None if pd.isna(b) else b, r): (n, total)
        for m, b, r, n, total in zip(
            problems.model_id, problems.bucket_start, problems.reason, problems.n_rows, problems.n_bucket_rows
        )
    }
    # the labels table's rows in the bucket of their labeled_at: 8 on D3, 1 on D2, 1 undated
    assert got == {
        (ALL, None, "label_conflict"): (1, 1),  # p3's undated label
        (ALL, D3, "label_conflict"): (1, 8),  # p4's 'b'
        (ALL, D3, "label_null"): (1, 8),
        (ALL, D3, "label_unknown_prediction"): (2, 8),  # ghost, and no id
        ("main", D1, "label_unknown_class"): (1, 4),
    }  # zebra, of p3, p4, p5, p7
    counts = _main(table(project, "ml_monitor_confusion_counts"))
    counts = counts[(counts.bucket_start == D1) & (counts.cohort_name == ALL)]
    assert dict(zip(zip(counts.predicted_class, counts.label), counts.n)) == {
        ("b", "b"): 1,
        ("a", "a"): 1,
        ("b", "a"): 1,
        ("b", "zebra"): 1,
    }  # p3, p4, p5, p7


def test_old_predictions_leave_the_bucket_spine_alone(bad_run):
    project, log, _ = bad_run
    spine = _main(table(project, "ml_monitor_bucket_spine"))
    assert spine.bucket_start.min() == D1 and spine.bucket_start.max() == _bucket_of(log, "recent")


def test_too_small_a_reference_is_flagged_and_warned_about(bad_run):
    project, _, output = bad_run
    sizes = table(project, "ml_monitor_reference_sizes").set_index(["model_id", "kind", "subject"])
    assert sizes.loc[("main", "model", ALL)].tolist() == [40, False]
    assert sizes.loc[("main", "class", "a")].tolist() == [20, True]
    assert sizes.loc[("main", "feature", "amount")].tolist() == [38, False]  # two NaN
    assert sizes.loc[("solo", "model", ALL)].tolist() == [20, True]
    assert runner._warnings(output) == [
        "model 'main' has too few training rows to judge drift against (class 'a': 20, class 'b': 20; fewer than"
        " ml_monitor_min_reference_rows = 30): see reference_too_small in ml_monitor_reference_sizes",
        "model 'solo' has too few training rows to judge drift against (in all: 20, feature 'amount': 20, feature"
        " 'constant': 20, class 'only': 20; fewer than ml_monitor_min_reference_rows = 30): see reference_too_small"
        " in ml_monitor_reference_sizes",
    ]


def test_reserved_values_in_the_data_are_refused_with_the_column(tmp_path):
    """A cohort value '__null__' would merge with the NULLs, a class '__all__' with every class."""
    project = tiny_project(tmp_path, ml_monitor_cohorts=["country"])
    log, ref = serving_log(), reference()
    log.loc[5, "country"] = NULL
    ref.loc[3, "label"] = ALL
    write_tables(project, predictions=log, reference=ref)
    message = _one_line_error(
        cli_in_process(project, "build", "--select", "stg_ml_monitor__reference +ml_monitor_base_stats")
    )
    assert (
        'ml_monitor: column \'label\' (the label) of "warehouse"."main"."reference" holds the value \'__all__\','
        " which ml_monitor reserves for the rows of every class, cohort value or model at once in its tables;"
        " map it to another value in a view over the table"
    ) in message
    assert (
        'ml_monitor: column \'country\' (var ml_monitor_cohorts) of "warehouse"."main"."predictions" holds the'
        " value '__null__', which ml_monitor reserves for NULL values in its tables"
    ) in message


# --- whole tables that are empty or partial -----------------------------------------------------


def test_empty_serving_log_and_no_holdout_split(tmp_path):
    """An empty log builds (dbt build, tests included) into empty monitors, and the report
    says so; a reference without holdout rows is fine until thresholds are fitted."""
    project = tiny_project(tmp_path, ml_monitor_cohorts=["country"])
    write_tables(project, predictions=serving_log().iloc[:0], reference=reference(holdout=False))
    runner.build(project)
    for name in [
        "ml_monitor_base_stats",
        "ml_monitor_confidence",
        "ml_monitor_class_drift",
        "ml_monitor_null_fractions",
        "ml_monitor_threshold_bands",
        "ml_monitor_data_quality",
        "ml_monitor_alerts",
        "ml_monitor_label_queue",
    ]:
        assert table(project, name).empty, name
    assert len(table(project, "ml_monitor_reference_class_shares")) == 2
    result = cli_in_process(project, "report", "--output", str(tmp_path / "report.html"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "report.html").stat().st_size > 1000
    result = cli_in_process(project, "fit-thresholds")  # the CLI's process: test_empty_reference_is_a_clear_error
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f'Error: "{OUTPUT_SCHEMA}"."stg_ml_monitor__reference" has no row with split = \'validation\': no holdout rows'
        " to fit thresholds on (load the model's validation rows, or set ml_monitor_holdout_split)"
    ]


def test_empty_reference_is_a_clear_error(tmp_path):
    project = tiny_project(tmp_path)
    write_tables(project, predictions=serving_log(), reference=reference().iloc[:0])
    message = _one_line_error(cli(project, "build", "--select", "stg_ml_monitor__reference"))
    assert "has no rows of the training split 'train' (var ml_monitor_reference_split)" in message
    assert message.endswith(f"(dbt's log: {Path(project.project_dir).resolve() / 'logs' / 'dbt.log'})")


# --- configuration that does not match the tables: compile-time errors ----------------------


def _one_line_error(result) -> str:
    assert result.returncode == 1, result.stderr
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message, message
    return message


def _build_error(project) -> str:
    """`ml-monitor build` of the staging models: exit 1 and one line on stderr (in this
    process: test_empty_reference_is_a_clear_error runs the CLI's process)."""
    return _one_line_error(
        cli_in_process(project, "build", "--select", "stg_ml_monitor__predictions stg_ml_monitor__reference")
    )


def test_missing_configured_columns_name_the_var_and_the_column(tmp_path):
    """The log lacks a cohort column, the reference the column mapped to confidence."""
    project = tiny_project(
        tmp_path, ml_monitor_columns={"confidence": "score"}, ml_monitor_cohorts=["country", "Channel"]
    )
    log = serving_log().rename(columns={"confidence": "score"})
    write_tables(project, predictions=log, reference=reference().assign(Channel="web"))
    message = _build_error(project)
    assert (
        'ml_monitor: column \'Channel\' (from var ml_monitor_cohorts) does not exist in "warehouse"."main".'
        '"predictions"; its columns are: prediction_id, predicted_at, predicted_class, score, country'
    ) in message
    assert (
        "ml_monitor: column 'score' (from var ml_monitor_columns.confidence) does not exist in "
        '"warehouse"."main"."reference"'
    ) in message


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
    assert (
        'ml_monitor: column \'my time\' (from var ml_monitor_columns.predicted_at) in "warehouse"."main".'
        '"predictions" has type '
    ) in message
    assert ", but predicted_at must be a timestamp (UTC, or with a time zone) or a date; cast it in a view" in message
    assert (
        "ml_monitor: column 'confidence' (from canonical column confidence (map it in var ml_monitor_columns)) in "
        '"warehouse"."main"."reference" has type '
    ) in message
    assert ", but confidence must be numeric (a score in [0, 1])" in message


# --- time zones ---------------------------------------------------------------------------------


def test_time_zone_aware_timestamps_are_bucketed_in_utc(tmp_path):
    """A TIMESTAMP WITH TIME ZONE is bucketed by its UTC day in a session far east of UTC
    (a plain cast would take the session's local day)."""
    project = tiny_project(tmp_path, settings={"TimeZone": "Pacific/Kiritimati"})
    log = serving_log(n_per_day=6, days=2, cohort=None)
    # 23:30 and 00:30 UTC: the session's local day differs from the UTC day
    log["predicted_at"] = [
        pd.Timestamp(t, tz="UTC")
        for t in ["2024-03-01 23:30", "2024-03-01 00:30", "2024-03-01 12:00"] * 2
        + ["2024-03-02 23:59:59", "2024-03-02 00:00", "2024-03-02 13:00"] * 2
    ]
    recent = pd.Timestamp(_utc_now() - timedelta(minutes=30), tz="UTC")
    log.loc[0, "predicted_at"] = recent  # not in the future, whatever the session's zone
    write_tables(project, predictions=log, reference=reference(cohort=None))
    assert sql(
        project,
        "select data_type from information_schema.columns where table_name = 'predictions'"
        " and column_name = 'predicted_at'",
    )["data_type"].tolist() == ["TIMESTAMP WITH TIME ZONE"]
    # the statistics' tables, not their public views (which add the alert tests' models to the run)
    build(project, "+int_ml_monitor__confidence +int_ml_monitor__data_quality", command="run")
    conf = table(project, "int_ml_monitor__confidence")
    counts = conf[(conf.predicted_class == ALL)].set_index("bucket_start")["n"].to_dict()
    assert counts == {
        pd.Timestamp("2024-03-01"): 5,
        pd.Timestamp("2024-03-02"): 6,
        recent.tz_localize(None).floor("D"): 1,
    }
    assert table(project, "int_ml_monitor__data_quality").empty
