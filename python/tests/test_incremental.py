"""Incremental runs give the same tables as one full build, and late rows are never lost silently.

A small demo log is loaded into `predictions` in a first load of FIRST_DAYS days, then one day
at a time, with a dbt run of the package after each load; another DuckDB file gets every row at
once and one full build. Labels arrive in a labels table along the way, from day LABELS_FROM on:
late ones for the previous day, ones for the first day (older than the lookback window) and
changed ones. Every output table must be the same in both (floats to 1e-12 relative;
`config_version` aside). Two day-by-day runs hold every case (each run costs seconds): both take
labels for the first day, outside their window, and the second changes labels that arrived in
the first. The last run's window starts inside a week (on its fourth day, the week's Monday
taking no label since its first run): the calibration bins, whose week rows read every bucket of
their week, must recompute the week whole. Then rows arrive late: those dated inside the
incremental lookback window are counted by the next run, those older than it are reported in
ml_monitor_data_quality as `late_outside_lookback` and kept out of the counts until a full
refresh.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest

from _tiny_project import build, reference, serving_log, tiny_project
from conftest import make_project
from ml_monitor import demo, runner
from ml_monitor.names import ALL
from ml_monitor.names import DUCKDB_OUTPUT_SCHEMA as SCHEMA
from ml_monitor.warehouse import Warehouse

pytestmark = pytest.mark.slow  # day-by-day dbt runs and a full build

DAYS = 9  # the first FIRST_DAYS in one load, then one day per run
FIRST_DAYS = 7
LABELS_FROM = 3  # the first day labels arrive on
DUPLICATED = DAYS  # a prediction logged twice in this day's bucket: in a day-by-day run, no late row's day
PER_DAY = 300
START = date(2026, 1, 4)  # a Sunday: the last run's window starts on day 5, a Thursday
LOOKBACK = 3  # the package default of ml_monitor_lookback_buckets
RTOL = 1e-12


def _build(project, select: str = "ml_monitor") -> None:
    # dbt run: the package's models (or those a test reads, and their parents), exactly as
    # `dbt build` computes them, without its tests
    runner.dbt(project, ["run", "--select", *select.split()])


def _day(d: int) -> date:
    return START + timedelta(days=d - 1)


def _load_days(db_path, first: int, last: int) -> None:
    with duckdb.connect(str(db_path)) as con:
        con.execute(
            "insert into main.predictions select * from main.all_predictions "
            "where predicted_at >= ? and predicted_at < ?",
            [_day(first), _day(last + 1)],
        )
        for day in range(max(first, LABELS_FROM), last + 1):
            _label(con, day)


# the labels that arrive on a day: the previous day's first LATE ids (the later of two classes
# as the label), the first day's next OLD ids, and a change of the labels that arrived the day
# before for the previous day's first CHANGED ids (the other class, dated later)
LATE, OLD, CHANGED = 30, 5, 10


def _label(con, day: int) -> None:
    def ids(of_day: int, offset: int, n: int) -> str:
        return (
            f"select distinct prediction_id from main.all_predictions where predicted_at >= '{_day(of_day)}' "
            f"and predicted_at < '{_day(of_day + 1)}' order by prediction_id limit {n} offset {offset}"
        )

    arrived = f"timestamp '{_day(day)} 12:00:00'"
    con.execute(f"insert into main.labels select prediction_id, 'technical', {arrived} from ({ids(day - 1, 0, LATE)})")
    con.execute(f"insert into main.labels select prediction_id, 'billing', {arrived} from ({ids(1, OLD * day, OLD)})")
    if day > LABELS_FROM:
        con.execute(
            f"insert into main.labels select prediction_id, 'account', {arrived} + interval 1 hour "
            f"from ({ids(day - 2, 0, CHANGED)})"
        )


def _with_labels_table_and_duplicates(db_path) -> None:
    """An empty labels table, and predictions logged twice: one of day DUPLICATED's twice in its
    bucket, two of the first day's again on the last day (long out of the lookback window when
    they arrive: found through the id index)."""
    with duckdb.connect(str(db_path)) as con:
        con.execute("create table main.labels (prediction_id varchar, label varchar, labeled_at timestamp)")
        con.execute(f"""insert into main.predictions select * from main.predictions
                        where predicted_at >= '{_day(DUPLICATED)}' and predicted_at < '{_day(DUPLICATED + 1)}'
                        order by prediction_id limit 1""")
        con.execute(f"""insert into main.predictions select * replace (predicted_at + interval {DAYS - 1} day as predicted_at)
                        from main.predictions where predicted_at < '{_day(2)}' order by prediction_id limit 2""")


def _tables(db_path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ? "
                "and table_type in ('BASE TABLE', 'VIEW') order by 1",
                [SCHEMA],
            ).fetchall()
        ]
        return {name: con.execute(f'select * from {SCHEMA}."{name}"').df() for name in names}


def _assert_same_table(name: str, left: pd.DataFrame, right: pd.DataFrame) -> None:
    # when each run happened differs by nature
    left, right = (frame.drop(columns=["config_version", "observed_at"], errors="ignore") for frame in (left, right))
    assert list(left.columns) == list(right.columns), name
    assert len(left) == len(right), f"{name}: {len(left)} rows incrementally, {len(right)} in a full build"
    floats = [c for c in left.columns if pd.api.types.is_float_dtype(left[c])]
    exact = [c for c in left.columns if c not in floats]
    # sort by the grain (every non-float column), then by the floats for ties
    order = exact + floats
    left, right = (
        frame.sort_values(order, kind="stable", na_position="first").reset_index(drop=True) for frame in (left, right)
    )
    for column in exact:
        pd.testing.assert_series_equal(left[column], right[column], check_names=False, obj=f"{name}.{column}")
    for column in floats:
        a, b = left[column].to_numpy(dtype=float), right[column].to_numpy(dtype=float)
        same = np.isclose(a, b, rtol=RTOL, atol=RTOL) | (np.isnan(a) & np.isnan(b))
        assert same.all(), f"{name}.{column}: {(~same).sum()} values differ, e.g. {a[~same][:3]} vs {b[~same][:3]}"


@pytest.fixture(scope="module")
def data() -> demo.DemoData:
    return demo.generate(predictions_per_day=PER_DAY, days=DAYS, seed=23, start=START)


@pytest.fixture(scope="module")
def incremental(data, tmp_path_factory):
    """The log loaded day by day (after a first load of FIRST_DAYS), a run after each load."""
    db_path = tmp_path_factory.mktemp("incremental") / "incremental.duckdb"
    demo.write_duckdb(data, db_path)
    _with_labels_table_and_duplicates(db_path)
    with duckdb.connect(str(db_path)) as con:
        con.execute("alter table main.predictions rename to all_predictions")
        con.execute("create table main.predictions as select * from main.all_predictions limit 0")
    project = make_project(db_path, ml_monitor_labels_table="labels", **data.dbt_vars())
    _load_days(db_path, 1, FIRST_DAYS)
    _build(project)
    for day in range(FIRST_DAYS + 1, DAYS + 1):
        _load_days(db_path, day, day)
        _build(project)
    return db_path, project


@pytest.fixture(scope="module")
def full(data, tmp_path_factory):
    db_path = tmp_path_factory.mktemp("full") / "full.duckdb"
    demo.write_duckdb(data, db_path)
    _with_labels_table_and_duplicates(db_path)
    with duckdb.connect(str(db_path)) as con:
        con.execute("create view main.all_predictions as select * from main.predictions")
        for day in range(LABELS_FROM, DAYS + 1):
            _label(con, day)
    project = make_project(db_path, ml_monitor_labels_table="labels", **data.dbt_vars())
    runner.dbt(project, ["run", "--select", "ml_monitor", "--full-refresh"])
    return db_path


def test_day_by_day_runs_equal_one_full_build(full, incremental):
    incremental_tables, full_tables = _tables(incremental[0]), _tables(full)
    assert set(incremental_tables) == set(full_tables)
    assert {
        "ml_monitor_base_stats",
        "ml_monitor_base_feature_values",
        "ml_monitor_confidence",
        "ml_monitor_confidence_rolling",
        "ml_monitor_class_drift",
        "ml_monitor_feature_drift",
        "ml_monitor_data_quality",
        "ml_monitor_volume_counts",
        "ml_monitor_volume",
        "ml_monitor_freshness",
        "ml_monitor_label_coverage",
        "ml_monitor_schema_history",
        "ml_monitor_calibration_bins",
        "ml_monitor_calibration_drift",
    } <= set(full_tables)
    counts = full_tables["ml_monitor_base_stats"]
    everything = counts[(counts.row_kind == "class") & (counts.cohort_name == ALL) & (counts.predicted_class == ALL)]
    assert sorted(everything.n) == [PER_DAY] * DAYS
    quality = full_tables["ml_monitor_data_quality"]
    duplicates = quality[quality.reason.str.startswith("duplicate")]
    assert sorted(zip(duplicates.bucket_start.dt.date, duplicates.reason, duplicates.n_rows)) == sorted(
        [(_day(DUPLICATED), "duplicate_prediction_id", 1), (_day(DAYS), "duplicate_across_buckets", 2)]
    )
    for name in sorted(full_tables):
        _assert_same_table(name, incremental_tables[name], full_tables[name])


def test_the_fingerprints_cover_the_lookback_window_before_the_newest_bucket(full):
    with duckdb.connect(str(full), read_only=True) as con:
        log = con.execute("select predicted_at from main.all_predictions").df()
        fingerprints = con.execute(f"select * from {SCHEMA}.ml_monitor_bucket_fingerprints").df()
    per_day = log.predicted_at.dt.floor("D").value_counts()
    expected = per_day[per_day.index >= pd.Timestamp(_day(DAYS - LOOKBACK))].sort_index()
    got = fingerprints.set_index("bucket_start").sort_index()
    assert got.index.tolist() == expected.index.tolist()
    assert set(got.window_start) == {pd.Timestamp(_day(DAYS - LOOKBACK))}
    assert set(got.window_end) == {pd.Timestamp(_day(DAYS + 1))}
    assert got.n_rows.tolist() == got.n_valid.tolist() == expected.tolist()  # every row of the demo log is valid
    assert got.fingerprint.is_unique


def test_late_and_changed_labels_are_counted_in_their_bucket(incremental, full):
    """The confusion counts of every bucket against pandas on the log and the labels table (the
    latest label of a prediction wins), in the incremental and the full build alike."""
    with duckdb.connect(str(full), read_only=True) as con:
        log = con.execute("select prediction_id, predicted_at, predicted_class, label from main.all_predictions").df()
        labels = con.execute("select * from main.labels").df()
        counts = con.execute(f"""select bucket_start as day, predicted_class, label, n
            from {SCHEMA}.ml_monitor_confusion_counts where cohort_name = '__all__'""").df()
    log = log.sort_values("predicted_at", kind="stable").drop_duplicates("prediction_id")  # the earliest copy
    latest = labels.sort_values("labeled_at").drop_duplicates("prediction_id", keep="last")
    merged = log.merge(latest[["prediction_id", "label"]], on="prediction_id", how="left", suffixes=("_log", ""))
    merged["label"] = merged["label"].fillna(merged["label_log"])
    merged["day"] = merged.predicted_at.dt.floor("D")
    expected = merged.dropna(subset=["label"]).groupby(["day", "predicted_class", "label"]).size()
    got = counts.set_index(["day", "predicted_class", "label"]).n.sort_index()
    pd.testing.assert_series_equal(got, expected.sort_index().astype(got.dtype), check_names=False)
    # the first day's bucket, long out of the lookback window, took labels from every run, and the
    # changed labels moved their counts: both builds hold them (the equality test above)
    first_day = latest[latest.prediction_id.isin(merged[merged.day == pd.Timestamp(_day(1))].prediction_id)]
    assert (first_day.label == "billing").sum() == OLD * (DAYS - LABELS_FROM + 1)
    assert (latest.label == "account").sum() == CHANGED * (DAYS - LABELS_FROM)


def _bucket_counts(db_path) -> dict:
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(f"""
            select cast(bucket_start as date), n from {SCHEMA}.ml_monitor_base_stats
            where row_kind = 'class' and cohort_name = '__all__' and predicted_class = '__all__'""").fetchall()
    return dict(rows)


def test_late_rows_inside_the_lookback_are_counted_older_ones_reported(incremental, full):
    db_path, project = incremental
    inside, outside = _day(DAYS - 1), _day(1)  # the newest bucket is day DAYS
    assert (_day(DAYS) - outside).days > LOOKBACK >= (_day(DAYS) - inside).days
    n_inside, n_outside = 40, 25
    with duckdb.connect(str(db_path)) as con:
        for day, n, tag in ((inside, n_inside, "late-in-"), (outside, n_outside, "late-out-")):
            con.execute(
                f"""
                insert into main.predictions
                select * replace (? || prediction_id as prediction_id)
                from main.all_predictions
                where predicted_at >= ? and predicted_at < ?
                order by prediction_id limit {n}""",
                [tag, day, day + timedelta(days=1)],
            )
        logged = dict(
            con.execute("select cast(predicted_at as date), count(*) from main.predictions group by 1").fetchall()
        )
    before = _bucket_counts(db_path)
    _build(project, "+ml_monitor_base_stats +ml_monitor_data_quality")
    after = _bucket_counts(db_path)

    # inside the window: the next run recomputes that bucket with the late rows
    assert after[inside] == before[inside] + n_inside == logged[inside]
    # outside it: the bucket keeps its old count, and the rows are reported, not dropped silently
    assert after[outside] == before[outside] == logged[outside] - n_outside
    with duckdb.connect(str(db_path), read_only=True) as con:
        quality = con.execute(f"""
            select cast(bucket_start as date), reason, n_rows from {SCHEMA}.ml_monitor_data_quality
            where reason = 'late_outside_lookback'""").fetchall()
    assert quality == [(outside, "late_outside_lookback", n_outside)]
    # every other bucket is what the full build of the original log says
    assert {d: n for d, n in after.items() if d not in (inside, outside)} == {
        d: n for d, n in _bucket_counts(full).items() if d not in (inside, outside)
    }


def _holdout_bin_rows(db_path) -> int:
    with duckdb.connect(str(db_path), read_only=True) as con:
        (n,) = con.execute(f"""select sum(n) from {SCHEMA}.ml_monitor_calibration_bins
            where scope = 'holdout' and predicted_class = '{ALL}'""").fetchone()
    return n


def test_a_new_holdout_recomputes_the_calibration_bins(incremental):
    """The holdout rows, kept by incremental runs (the equality above), follow a new holdout."""
    db_path, project = incremental
    with duckdb.connect(str(db_path)) as con:
        con.execute("""delete from main.reference where split = 'validation' and prediction_id in (
            select prediction_id from main.reference where split = 'validation' order by prediction_id limit 100)""")
        (holdout_rows,) = con.execute("select count(*) from main.reference where split = 'validation'").fetchone()
    assert _holdout_bin_rows(db_path) == holdout_rows + 100
    _build(project, "+ml_monitor_calibration_bins")
    assert _holdout_bin_rows(db_path) == holdout_rows


def _bucket_sums(db_path) -> dict:
    """Per day: the valid predictions and their confidence sum, from ml_monitor_base_stats."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(f"""
            select cast(bucket_start as date), n, sum_confidence from {SCHEMA}.ml_monitor_base_stats
            where row_kind = 'class' and cohort_name = '__all__' and predicted_class = '__all__'""").fetchall()
    return {day: (n, total) for day, n, total in rows}


def test_a_run_recomputes_from_the_first_bucket_whose_rows_changed(incremental):
    """Inside the lookback window a run recomputes only from the first bucket whose log rows
    changed (their fingerprints, ml_monitor_bucket_fingerprints): an unchanged bucket keeps
    its rows as they are (here a planted wrong count, which only a recomputation would
    undo), a row corrected in place or deleted is counted in its bucket."""
    db_path, project = incremental
    corrected, untouched = _day(DAYS - 1), _day(DAYS - 2)
    with duckdb.connect(str(db_path)) as con:
        con.execute(
            f"""update {SCHEMA}.ml_monitor_base_stats set n = -1 where bucket_start = ? and row_kind = 'class'
                and cohort_name = '__all__' and predicted_class = '__all__'""",
            [untouched],
        )
        (row_id, old) = con.execute(
            "select prediction_id, confidence from main.predictions where predicted_at >= ? and predicted_at < ? "
            "order by prediction_id limit 1",
            [corrected, corrected + timedelta(days=1)],
        ).fetchone()
        new = old / 2
        con.execute("update main.predictions set confidence = ? where prediction_id = ?", [new, row_id])
    before = _bucket_sums(db_path)
    _build(project, "+ml_monitor_base_stats")
    after = _bucket_sums(db_path)
    assert after[untouched][0] == -1  # not recomputed: its rows did not change
    assert after[corrected][0] == before[corrected][0]
    assert after[corrected][1] == pytest.approx(before[corrected][1] - old + new, rel=RTOL)

    # a deleted row: its bucket, the older one, is recomputed, and every bucket after it
    with duckdb.connect(str(db_path)) as con:
        (logged,) = con.execute(
            "select count(*) - 1 from main.predictions where predicted_at >= ? and predicted_at < ?",
            [untouched, untouched + timedelta(days=1)],
        ).fetchone()
        con.execute(
            """delete from main.predictions where prediction_id = (select min(prediction_id) from main.predictions
               where predicted_at >= ? and predicted_at < ?)""",
            [untouched, untouched + timedelta(days=1)],
        )
    _build(project, "+ml_monitor_base_stats")
    after = _bucket_sums(db_path)
    assert after[untouched][0] == logged
    assert after[corrected][1] == pytest.approx(before[corrected][1] - old + new, rel=RTOL)


def test_a_table_left_out_of_runs_catches_up(incremental):
    """Runs that leave ml_monitor_base_stats out move the fingerprints' window past the
    buckets it last computed: its next run computes every bucket it missed, not only those
    still in the window."""
    db_path, project = incremental
    missed = 5  # more than the lookback window
    assert missed > LOOKBACK + 1
    with duckdb.connect(str(db_path)) as con:
        (per_day,) = con.execute(  # the bucket's duplicate counted once
            "select count(distinct prediction_id) from main.predictions where predicted_at >= ?", [_day(DAYS)]
        ).fetchone()
    for k in range(1, missed + 1):
        with duckdb.connect(str(db_path)) as con:
            con.execute(
                f"""insert into main.predictions select * replace ('{k}-' || prediction_id as prediction_id,
                    predicted_at + interval {k} day as predicted_at)
                    from main.predictions where predicted_at >= ? and predicted_at < ?""",
                [_day(DAYS), _day(DAYS + 1)],
            )
        _build(project, "ml_monitor_bucket_fingerprints")
    _build(project, "+ml_monitor_base_stats")
    counts = _bucket_counts(db_path)
    assert [counts.get(_day(DAYS + k)) for k in range(1, missed + 1)] == [per_day] * missed


@pytest.mark.skipif(not os.environ.get("ML_MONITOR_PG_PORT"), reason="no PostgreSQL server (run bin/test)")
def test_postgres_recomputes_from_the_first_changed_bucket(tmp_path):
    """PostgreSQL keeps the fingerprints too (in the table's comment): a new day and a row
    corrected in place recompute from the corrected row's bucket, an older unchanged one
    keeps its rows (a planted wrong count), and the rest equals a full refresh."""
    env = {"ML_MONITOR_PG_SCHEMA": f"incr_{tmp_path.name[-20:]}".lower()}
    project = tiny_project(tmp_path / "project", target="postgres", env=env)
    log = serving_log(n_per_day=20, days=6)
    first_days = log[log.predicted_at < log.predicted_at.min().normalize() + pd.Timedelta(days=5)]
    select = "+ml_monitor_base_stats"

    def write(predictions):
        with Warehouse.connect(project, create=True) as wh:
            for name, frame in (("predictions", predictions), ("reference", reference())):
                wh.replace_table(name, frame, schema=project.source_schema)

    def counts():
        with Warehouse.connect(project) as wh:
            return wh.query(f"""select bucket_start, n, sum_confidence from {wh.relation("ml_monitor_base_stats")}
                where row_kind = 'class' and cohort_name = '{ALL}' and predicted_class = '{ALL}'
                order by bucket_start""").set_index("bucket_start")

    try:
        write(first_days)
        build(project, select, command="run")
        days = sorted(pd.Timestamp(d) for d in first_days.predicted_at.dt.normalize().unique())
        untouched, corrected = days[-3], days[-2]  # both inside the lookback window
        with Warehouse.connect(project) as wh:
            wh._execute(f"""update {wh.relation("ml_monitor_base_stats")} set n = -1
                where bucket_start = '{untouched:%Y-%m-%d}' and row_kind = 'class'""")
        in_corrected = (log.predicted_at >= corrected) & (log.predicted_at < corrected + pd.Timedelta(days=1))
        log.loc[log.index[in_corrected][0], "confidence"] /= 2
        write(log)
        build(project, select, command="run")
        incremental = counts()
        assert incremental.loc[untouched, "n"] == -1
        build(project, select, command="run --full-refresh")
        full = counts()
        assert full.loc[untouched, "n"] == 20
        pd.testing.assert_frame_equal(incremental.drop(untouched), full.drop(untouched))
        assert full.loc[corrected, "sum_confidence"] == pytest.approx(log[in_corrected].confidence.sum(), rel=RTOL)
    finally:
        with Warehouse.connect(project) as wh:
            for schema in {project.source_schema, project.output_schema}:
                wh._execute(f"drop schema if exists {wh.quote(schema)} cascade")
