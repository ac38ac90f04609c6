"""Log health: the volume, freshness, label-coverage and schema-history monitors, their values
against numpy/scipy on the same rows, and the demo's planted log failures found at their
bucket and cohort and nowhere else."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from _tiny_project import build, reference, serving_log, table, tiny_project, write_tables
from conftest import make_project
from ml_monitor import demo, runner
from ml_monitor.names import ALL

WEEKS = 4  # ml_monitor_volume_baseline_weeks
DROP, SPIKE = 0.5, 2.0
COHORTS = ["channel", "country"]
LOG_HEALTH = {
    "volume_drop",
    "volume_spike",
    "cohort_volume_share",
    "stale_predictions",
    "stale_labels",
    "label_coverage_drop",
}


def _expected_volume(raw: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """ml_monitor_volume recomputed with pandas and scipy from the raw log."""
    raw = raw.assign(bucket_start=raw["predicted_at"].dt.floor("D"))
    buckets = pd.date_range(raw["bucket_start"].min(), pd.Timestamp(now).floor("D") - pd.Timedelta(days=1), freq="D")
    series = {(ALL, ALL): raw.groupby("bucket_start").size()}
    for name in COHORTS:
        for value, rows in raw.groupby(name):
            series[(name, value)] = rows.groupby("bucket_start").size()
    total = series[(ALL, ALL)].reindex(buckets, fill_value=0).to_numpy()
    frames = []
    for (name, value), counts in series.items():
        n = counts.reindex(buckets, fill_value=0).to_numpy()
        for i, bucket in enumerate(buckets):
            row = {"bucket_start": bucket, "cohort_name": name, "cohort_value": value, "n_rows": n[i]}
            if total[i] > 0:
                row["share"] = n[i] / total[i]
            same_weekday = [i - 7 * k for k in range(1, WEEKS + 1) if i - 7 * k >= 0]
            if same_weekday:
                base, base_total = n[same_weekday], total[same_weekday]
                lam = base.mean()
                var = base.var(ddof=1) if len(base) > 1 else np.nan
                row.update(expected_rows=lam, baseline_variance=var, baseline_share=base.sum() / base_total.sum())
            if len(same_weekday) == WEEKS:
                if var > lam:
                    p_drop = stats.norm.sf((lam - n[i] - 0.5) / np.sqrt(var))
                    p_spike = stats.norm.sf((n[i] - 0.5 - lam) / np.sqrt(var)) if n[i] > 0 else 1.0
                else:
                    p_drop, p_spike = stats.poisson.cdf(n[i], lam), stats.poisson.sf(n[i] - 1, lam)
                row.update(p_value_drop=p_drop, p_value_spike=p_spike)
                if name != ALL and total[i] > 0:
                    share, base_share = row["share"], row["baseline_share"]
                    pooled = (n[i] + base.sum()) / (total[i] + base_total.sum())
                    z = abs(share - base_share) / np.sqrt(pooled * (1 - pooled) * (1 / total[i] + 1 / base_total.sum()))
                    row["p_value_share"] = 2 * stats.norm.sf(z)
            frames.append(row)
    return pd.DataFrame(frames)


def test_volume_values_match_scipy(demo_run):
    got = demo_run.table("ml_monitor_volume")
    expected = _expected_volume(demo_run.raw(), demo_run.data.now)
    keys = ["bucket_start", "cohort_name", "cohort_value"]
    merged = expected.merge(got, on=keys, how="outer", suffixes=("", "_got"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][keys + ["_merge"]]
    assert (merged.n_rows == merged.n_rows_got).all()
    for column in ["expected_rows", "baseline_variance", "share", "baseline_share"]:
        np.testing.assert_allclose(
            merged[column + "_got"].astype(float),
            merged[column].astype(float),
            rtol=1e-12,
            err_msg=column,
            equal_nan=True,
        )
    for column in ["p_value_drop", "p_value_spike", "p_value_share"]:
        # macros/stats: chi2_sf within 1.2e-6 relative, normal_sf within 1.1e-7 relative
        np.testing.assert_allclose(
            merged[column + "_got"].astype(float),
            merged[column].astype(float),
            rtol=2e-6,
            atol=1e-12,
            err_msg=column,
            equal_nan=True,
        )
    assert (got.volume_test.dropna().isin(["poisson", "negative_binomial"])).all()
    assert set(got.volume_test.dropna()) == {"poisson", "negative_binomial"}


def test_poisson_tail_by_the_chi_square_relation():
    """The identity the volume test is written with."""
    for lam in [0.5, 3.0, 57.5, 900.0]:
        for k in [0, 1, 5, 60, 800, 1000]:
            assert stats.chi2.sf(2 * lam, 2 * (k + 1)) == pytest.approx(stats.poisson.cdf(k, lam), rel=1e-9, abs=1e-300)
            if k > 0:
                assert 1 - stats.chi2.sf(2 * lam, 2 * k) == pytest.approx(
                    stats.poisson.sf(k - 1, lam), rel=1e-6, abs=1e-15
                )


def _alerts(demo_run, types) -> pd.DataFrame:
    alerts = demo_run.table("ml_monitor_alerts")
    return alerts[alerts.alert_type.isin(types)]


def _days(demo_run, frame: pd.DataFrame) -> set[int]:
    return {int((b - demo_run.start).days) + 1 for b in frame["bucket_start"]}


def test_logger_drop_found_in_its_channel_on_its_days_only(demo_run):
    volume = _alerts(demo_run, {"volume_drop", "volume_spike", "cohort_volume_share"})
    name, value = demo.LOGGER_COHORT
    planted = set(range(demo.LOGGER_DROP_DAY, demo.LOGGER_DROP_DAY + demo.LOGGER_DROP_DAYS))
    for alert_type in ["volume_drop", "cohort_volume_share"]:
        found = volume[volume.alert_type == alert_type]
        assert _days(demo_run, found) == planted, found
        assert set(zip(found.cohort_name, found.cohort_value)) == {(name, value)}
    assert set(volume.alert_type) == {"volume_drop", "cohort_volume_share"}
    view = demo_run.table("ml_monitor_volume")
    web = view[(view.cohort_name == name) & (view.cohort_value == value) & view.is_alert]
    assert _days(demo_run, web) == planted
    assert (web.volume_ratio < 0.2).all() and web.is_drop.all() and web.is_share_alert.all()


def test_label_stop_found_in_its_country_from_its_day(demo_run):
    coverage = _alerts(demo_run, {"label_coverage_drop"})
    name, value = demo.LABEL_STOP_COHORT
    assert set(zip(coverage.cohort_name, coverage.cohort_value)) == {(name, value)}
    days = _days(demo_run, coverage)
    assert min(days) == demo.LABEL_STOP_DAY and days <= set(range(demo.LABEL_STOP_DAY, 61))
    view = demo_run.table("ml_monitor_label_coverage")
    stopped = view[(view.cohort_value == value) & (view.bucket_start >= demo_run.day(demo.LABEL_STOP_DAY))]
    assert (stopped.n_labelled == 0).all()


def test_label_coverage_values_match_pandas(demo_run):
    raw = demo_run.raw()
    raw["bucket_start"] = raw["predicted_at"].dt.floor("D")
    got = demo_run.table("ml_monitor_label_coverage").set_index(["bucket_start", "cohort_name", "cohort_value"])
    population = raw.groupby("bucket_start")["label"].agg(["size", "count"])
    for name in COHORTS:
        counts = raw.groupby(["bucket_start", name])["label"].agg(["size", "count"])
        for (bucket, value), row in counts.iterrows():
            g = got.loc[(bucket, name, value)]
            assert (g.n_predictions, g.n_labelled) == (row["size"], row["count"])
            assert g.coverage == pytest.approx(row["count"] / row["size"], rel=1e-12)
        # usual coverage: the median relative coverage of the previous 7 buckets times the model's
        relative = (counts["count"] / counts["size"]).unstack().div(population["count"] / population["size"], axis=0)
        for i, bucket in enumerate(relative.index[7:], start=7):
            for value in relative.columns:
                usual = (
                    relative[value].iloc[i - 7 : i].median()
                    * population.loc[bucket, "count"]
                    / population.loc[bucket, "size"]
                )
                assert got.loc[(bucket, name, value)].usual_coverage == pytest.approx(usual, rel=1e-12)


def test_demo_is_fresh_at_its_own_now(demo_run):
    freshness = demo_run.table("ml_monitor_freshness")
    (row,) = freshness.itertuples()
    last = demo_run.raw().predicted_at.max()
    assert row.stream == "predictions" and not row.is_alert
    assert row.age_hours == pytest.approx((pd.Timestamp(demo_run.data.now) - last).total_seconds() / 3600, abs=1e-9)
    assert row.max_age_hours == 48
    # the usual gap: 7 days of rows before the last day's
    raw = demo_run.raw()
    recent = raw[(raw.predicted_at >= demo_run.day(53)) & (raw.predicted_at < demo_run.day(60))]
    assert row.usual_gap_hours == pytest.approx(7 * 24 / len(recent), rel=1e-12)
    assert row.p_value == pytest.approx(np.exp(-row.age_hours / row.usual_gap_hours), rel=1e-12)


def test_no_log_health_alert_on_stable_days(demo_run):
    alerts = _alerts(demo_run, LOG_HEALTH)
    assert _days(demo_run, alerts) >= {demo.LOGGER_DROP_DAY}
    assert min(_days(demo_run, alerts)) == demo.LOGGER_DROP_DAY, alerts


SCENARIOS = ["stable", "seasonal"]


@pytest.mark.slow
def test_stable_and_seasonal_logs_raise_no_log_health_alert(tmp_path):
    """Both logs in one file, each as a model of its own (every log-health monitor is per
    model): one dbt run judges both."""
    db = tmp_path / "log.duckdb"
    dbt_vars = []
    for scenario in SCENARIOS:
        data = demo.generate(predictions_per_day=400, days=60, scenario=demo.scenario(scenario))
        demo.write_duckdb(data, db, schema=scenario)
        dbt_vars.append(data.dbt_vars())
    assert dbt_vars[0] == dbt_vars[1]  # the same "now"
    with duckdb.connect(str(db)) as con:
        for table, renamed in [("predictions", ", '{s}-' || prediction_id as prediction_id"), ("reference", "")]:
            rows = [f"select * replace ('{s}' as model_id{renamed.format(s=s)}) from {s}.{table}" for s in SCENARIOS]
            con.execute(f"create table main.{table} as {' union all '.join(rows)}")
    project = make_project(db, **dbt_vars[0])
    # the monitors and views read here, not the whole package (a model is dbt's fixed cost)
    runner.dbt(project, ["run", "--select", "+ml_monitor_alert_tests", "+ml_monitor_volume"])
    with duckdb.connect(str(db), read_only=True) as con:
        tests = con.execute(f"select * from {project.output_schema}.ml_monitor_alert_tests").df()
        volume = con.execute(f"select * from {project.output_schema}.ml_monitor_volume").df()
    for scenario in SCENARIOS:
        health = tests[tests.alert_type.isin(LOG_HEALTH) & (tests.model_id == scenario)]
        assert not health.is_alert.any(), health[health.is_alert]
        assert health.p_value.notna().sum() > 500, scenario
    # weekends are 0.4 of a weekday: the same-weekday baseline expects them
    population = volume[(volume.model_id == "seasonal") & (volume.cohort_name == ALL) & volume.expected_rows.notna()]
    assert population.volume_ratio.min() > 0.9 and population.volume_ratio.max() < 1.1


@pytest.mark.slow
def test_a_stale_log_has_empty_buckets_up_to_now_and_alerts(tmp_path):
    """The log ends; "now" is 2.5 days later: two empty complete days, and the day holding
    now, still filling, is not judged."""
    data = demo.generate(predictions_per_day=200, days=36, scenario=demo.STABLE, stale_hours=60)
    db = tmp_path / "stale.duckdb"
    demo.write_duckdb(data, db)
    project = make_project(db, **data.dbt_vars())
    runner.dbt(project, ["run", "--select", "+ml_monitor_volume", "+ml_monitor_freshness", "+ml_monitor_alerts"])
    with duckdb.connect(str(db), read_only=True) as con:

        def read(name):
            return con.execute(f"select * from {project.output_schema}.{name}").df()

        volume, freshness, alerts = read("ml_monitor_volume"), read("ml_monitor_freshness"), read("ml_monitor_alerts")
    end = pd.Timestamp(data.now) - pd.Timedelta(hours=60)  # the end of the last logged day
    population = volume[volume.cohort_name == ALL].set_index("bucket_start").sort_index()
    assert population.index.max() == end + pd.Timedelta(days=1)  # the current bucket is left out
    empty = population.loc[end:]
    assert list(empty.n_rows) == [0, 0] and empty.is_drop.all()
    (row,) = freshness.itertuples()
    assert row.is_alert and row.age_hours == pytest.approx(
        60 + (end - pd.Timestamp(data.predictions["predicted_at"].to_pandas().max())).total_seconds() / 3600
    )
    stale = alerts[alerts.alert_type == "stale_predictions"]
    assert list(stale.bucket_start) == [end + pd.Timedelta(days=1)]
    # before the log ended, nothing
    assert not alerts[alerts.alert_type.isin(LOG_HEALTH) & (alerts.bucket_start < end)].shape[0]


# --- labels table, lag and schema history: a tiny project -------------------------------------

START = datetime(2024, 3, 1)


def _labels(log: pd.DataFrame, lag_hours) -> pd.DataFrame:
    labelled = log.iloc[::2]
    return pd.DataFrame(
        {
            "prediction_id": labelled.prediction_id,
            "label": "a",
            "labeled_at": labelled.predicted_at + pd.to_timedelta(lag_hours(len(labelled)), unit="h"),
        }
    )


@pytest.mark.slow
def test_label_lag_percentiles_and_stale_labels(tmp_path):
    log = serving_log(n_per_day=40, days=12, start=START)
    rng = np.random.default_rng(3)
    labels = _labels(log, lambda n: np.round(rng.gamma(2.0, 10.0, n) * 3600) / 3600)  # whole seconds
    now = START + timedelta(days=12)
    labels = labels[labels.labeled_at <= now - timedelta(hours=80)]  # labels stopped 80 hours ago
    project = tiny_project(
        tmp_path / "p",
        ml_monitor_cohorts=["country"],
        ml_monitor_labels_table="labels",
        cli_vars={"ml_monitor_now": now.strftime("%Y-%m-%d %H:%M:%S")},
    )
    write_tables(project, predictions=log, reference=reference(), labels=labels)
    build(project, "+ml_monitor_label_coverage +ml_monitor_freshness", command="run")
    coverage = table(project, "ml_monitor_label_coverage").set_index(["bucket_start", "cohort_name", "cohort_value"])
    joined = log.merge(labels, on="prediction_id", how="left")
    joined["bucket_start"] = joined.predicted_at.dt.floor("D")
    joined["lag"] = (joined.labeled_at - joined.predicted_at).dt.total_seconds() / 3600
    for bucket, rows in joined.groupby("bucket_start"):
        got = coverage.loc[(bucket, ALL, ALL)]
        assert got.n_predictions == len(rows) and got.n_labelled == rows.labeled_at.notna().sum()
        lags = rows.lag.dropna()
        if len(lags):
            assert got.lag_p50_hours == pytest.approx(np.percentile(lags, 50), rel=1e-9)
            assert got.lag_p90_hours == pytest.approx(np.percentile(lags, 90), rel=1e-9)
    assert coverage.usual_lag_hours.iloc[0] == pytest.approx(np.percentile(joined.lag.dropna(), 90), rel=1e-9)
    freshness = table(project, "ml_monitor_freshness").set_index("stream")
    assert set(freshness.index) == {"predictions", "labels"}
    assert freshness.loc["labels"].is_alert and not freshness.loc["predictions"].is_alert
    assert freshness.loc["labels"].age_hours == pytest.approx(
        (pd.Timestamp(now) - labels.labeled_at.max()).total_seconds() / 3600, rel=1e-9
    )


@pytest.mark.slow
def test_schema_history_across_three_runs(tmp_path):
    """Run 1 logs what the reference has; before run 2 a day is logged and a column added;
    before run 3 another day, another column retyped and a third dropped. Each run is judged
    as of its log's end (a day later each time): the same vars, so dbt parses once."""
    ref = reference().assign(tier="gold", size=1)

    def log(days: int) -> pd.DataFrame:
        return serving_log(n_per_day=10, days=days, start=START).assign(tier="gold", size=1)

    runs = [log(2), log(3).assign(app="v1"), log(4).assign(app="v1", size="L").drop(columns=["tier"])]
    project = tiny_project(tmp_path / "p", ml_monitor_cohorts=["country"])
    for run, served in enumerate(runs, 1):
        write_tables(project, predictions=served, reference=ref)
        # the first two runs only record the schema; the alerts are read after the last
        read_alerts = " +ml_monitor_alerts" if run == len(runs) else ""
        build(project, "+ml_monitor_schema_history" + read_alerts, command="run")
    history = table(project, "ml_monitor_schema_history")
    states = {
        (
            r.column_name,
            None if pd.isna(r.data_type) else r.data_type,
            r.status,
            str(r.first_observed_at),
            str(r.last_observed_at),
            r.is_current,
        )
        for r in history.itertuples()
    }

    def day(d):
        return f"2024-03-0{d} 00:00:00"

    assert states == {
        ("country", "VARCHAR", "unchanged", day(3), day(5), True),
        ("tier", "VARCHAR", "unchanged", day(3), day(4), False),
        ("tier", None, "dropped", day(5), day(5), True),
        ("size", "BIGINT", "unchanged", day(3), day(4), False),
        ("size", "VARCHAR", "type_changed", day(5), day(5), True),
        ("app", "VARCHAR", "added", day(4), day(5), True),
    }
    diff = table(project, "ml_monitor_schema_diff").set_index("column_name")
    assert diff.loc["size", "serving_type"] == "VARCHAR" and diff.loc["size", "reference_type"] == "BIGINT"
    # the schema_change alert carries the date the change is dated at
    changes = table(project, "ml_monitor_schema_changes").set_index("column_name")
    alerts = table(project, "ml_monitor_alerts")
    for column in ["tier", "size", "app"]:
        first = changes.loc[column, "first_observed_bucket"]
        assert pd.notna(first)
        dated = alerts[(alerts.alert_type == "schema_change") & (alerts.subject == column)]
        assert dated.bucket_start.min() == first
