"""The warehouse layer: connecting from the profile, quoting, typed round trips and atomic
replaces on DuckDB, on PostgreSQL when ML_MONITOR_PG_PORT points at a server, and on a local
Spark session when pyspark and java are installed."""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from _tiny_project import reference, serving_log, tiny_project
from conftest import HAS_SPARK, package_project
from ml_monitor import runner, warehouse
from ml_monitor.config import Project
from ml_monitor.errors import MonitorError
from ml_monitor.names import DUCKDB_OUTPUT_SCHEMA
from ml_monitor.warehouse import TEMP_PREFIX, DuckDBWarehouse, PostgresWarehouse, SparkWarehouse, Warehouse

HOSTILE = 'we"ird; drop table x; --'


def sample_frame():
    return pd.DataFrame(
        {
            "text": ["plain", "", None, 'quote " comma , newline \n percent % question ?'],
            "number": [1.5, np.nan, -0.25, 1e-300],
            "count": [1, 2, 3, 4],
            "flag": [True, False, True, False],
            "at": pd.to_datetime(
                ["2024-01-01 00:00:00", None, "2024-02-29 12:34:56.789", "2024-03-01 00:00:00"], format="ISO8601"
            ),
            HOSTILE: ["a", "b", "c", "d"],
        }
    )


# The sample's column types as each backend's information_schema names them.
STORED_TYPES = {
    DuckDBWarehouse: ["VARCHAR", "DOUBLE", "BIGINT", "BOOLEAN", "TIMESTAMP", "VARCHAR"],
    PostgresWarehouse: ["text", "double precision", "bigint", "boolean", "timestamp without time zone", "text"],
    SparkWarehouse: ["string", "double", "bigint", "boolean", "timestamp", "string"],
}


@pytest.fixture(scope="module")
def duckdb_project(tmp_path_factory):
    """The package on DuckDB, its file at one path for the module: dbt parses it once (a parse
    takes seconds), and each test empties the folder (duckdb_path)."""
    path = tmp_path_factory.mktemp("duckdb") / "wh.duckdb"
    return package_project(env={"ML_MONITOR_TARGET": "duckdb", "ML_MONITOR_DUCKDB_PATH": str(path)})


@pytest.fixture
def duckdb_path(duckdb_project) -> Path:
    """The project's DuckDB file, not there yet: a fresh warehouse for each test."""
    path = Path(duckdb_project.credentials["path"])
    shutil.rmtree(path.parent)
    path.parent.mkdir()
    return path


@pytest.fixture
def duck(duckdb_project, duckdb_path):
    with Warehouse.connect(duckdb_project, create=True) as wh:
        yield wh


def temp_tables(wh):
    if isinstance(wh, SparkWarehouse):  # no information_schema
        names = wh.query(f"show tables in {wh.quote(wh.schema)}")["tableName"]
        return [name for name in names if name.startswith(TEMP_PREFIX)]
    rows = wh.query("select table_name from information_schema.tables where table_schema = ?", [wh.schema])
    return [name for name in rows["table_name"] if name.startswith(TEMP_PREFIX)]


def read(wh, name, schema=None):
    return wh.query(f"select * from {wh.relation(name, schema)} order by {wh.quote(wh.columns(name, schema)[0])}")


# --- connecting ---------------------------------------------------------------------------


def test_connect_uses_the_profile(duck, duckdb_path):
    assert isinstance(duck, DuckDBWarehouse) and duck.schema == DUCKDB_OUTPUT_SCHEMA
    duck.replace_table("t", pd.DataFrame({"a": [1]}))
    assert duckdb_path.exists()


def test_missing_duckdb_file(duckdb_project, duckdb_path):
    with pytest.raises(MonitorError, match="does not exist"):
        Warehouse.connect(duckdb_project)


def test_relative_path_is_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ML_MONITOR_TARGET", "duckdb")
    monkeypatch.setenv("ML_MONITOR_DUCKDB_PATH", "data.duckdb")
    Warehouse.connect(package_project(), create=True).close()
    assert (tmp_path / "data.duckdb").exists()


def test_locked_duckdb_file(duckdb_project, duckdb_path):
    path = str(duckdb_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({path!r}); print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(MonitorError, match=r"the DuckDB file .* is in use by another process \(.*PID"):
            Warehouse.connect(duckdb_project)
    finally:
        holder.kill()
        holder.wait()


def test_quoting():
    wh = DuckDBWarehouse(duckdb.connect(), "s")
    assert wh.relation('a"b') == '"s"."a""b"' and wh.relation("t", 'x"."y') == '"x"".""y"."t"'
    wh.close()


def test_unsupported_adapter(duckdb_project, monkeypatch):
    """An adapter dbt has but the Python steps do not (here duckdb, taken away) is one clear line."""
    monkeypatch.delitem(warehouse.BACKENDS, "duckdb")
    with pytest.raises(
        MonitorError, match=r"^the Python steps do not support the 'duckdb' adapter \(supported: postgres, spark\)$"
    ):
        Warehouse.connect(duckdb_project)


# --- shared behaviour, on every backend ---------------------------------------------------


def check_round_trip(wh):
    name = "hostile_columns" if isinstance(wh, SparkWarehouse) else HOSTILE  # Spark: table names are \w+
    wh.replace_table(name, sample_frame())
    assert wh.table_exists(name) and not wh.table_exists("absent")
    assert wh.columns(name) == list(sample_frame().columns)
    assert [t for _, t in wh._column_types(name)] == STORED_TYPES[type(wh)]
    back = read(wh, name).sort_values("count").reset_index(drop=True)
    assert back["text"].tolist()[:2] == ["plain", ""] and pd.isna(back["text"][2])  # '' is not NULL
    assert back["text"][3] == sample_frame()["text"][3]
    assert pd.isna(back["number"][1]) and back["number"][3] == 1e-300
    assert back["flag"].tolist() == [True, False, True, False]
    assert pd.Timestamp(back["at"][2]) == pd.Timestamp("2024-02-29 12:34:56.789") and pd.isna(back["at"][1])
    assert back[HOSTILE].tolist() == ["a", "b", "c", "d"]


def check_bound_parameters(wh):
    value = "x'); drop table y; --"
    got = wh.query("select ? as v, '50% sure?' as w, ? as n", [value, 3])
    assert got.loc[0, "v"] == value and got.loc[0, "w"] == "50% sure?" and got.loc[0, "n"] == 3


def check_failed_write_keeps_the_old_table(wh, monkeypatch):
    wh.replace_table("kept", pd.DataFrame({"a": [1, 2]}))
    original = type(wh)._write_rows

    def write_then_fail(self, relation, frame, kinds):
        original(self, relation, frame, kinds)
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(wh), "_write_rows", write_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        wh.replace_table("kept", pd.DataFrame({"a": [7, 8, 9], "b": ["x", "y", "z"]}))
    monkeypatch.undo()
    assert read(wh, "kept")["a"].tolist() == [1, 2] and wh.columns("kept") == ["a"]
    assert temp_tables(wh) == []


def check_replace(wh):
    wh.replace_table("t", pd.DataFrame({"a": [1, 2]}))
    wh.replace_table("t", pd.DataFrame({"a": [3]}))  # same columns: refilled in place
    assert read(wh, "t")["a"].tolist() == [3]
    wh.replace_table("t", pd.DataFrame({"b": ["x"], "c": [0.5]}))  # new columns: swapped
    assert wh.columns("t") == ["b", "c"] and len(read(wh, "t")) == 1
    wh.replace_table("t", pd.DataFrame({"b": pd.Series([], dtype=str), "c": pd.Series([], dtype=float)}))
    assert read(wh, "t").empty and temp_tables(wh) == []


def other_schema(wh):
    return f"{wh.schema}_other" if isinstance(wh, SparkWarehouse) else f'{wh.schema} "other"'


def check_explicit_schema(wh):
    wh.replace_table("t", pd.DataFrame({"a": [1]}), schema=other_schema(wh))
    assert wh.table_exists("t", other_schema(wh)) and not wh.table_exists("t")
    assert read(wh, "t", other_schema(wh))["a"].tolist() == [1]


CHECKS = [check_round_trip, check_bound_parameters, check_replace, check_explicit_schema]


@pytest.mark.parametrize("check", CHECKS)
def test_duckdb(duck, check):
    check(duck)


def test_duckdb_failed_write_keeps_the_old_table(duck, monkeypatch):
    check_failed_write_keeps_the_old_table(duck, monkeypatch)


def test_duckdb_timezones_become_utc(duck):
    duck.replace_table("tz", pd.DataFrame({"at": pd.to_datetime(["2024-01-01T02:00:00+02:00"])}))
    assert duck._column_types("tz") == [("at", "TIMESTAMP")]
    assert read(duck, "tz")["at"][0] == pd.Timestamp("2024-01-01 00:00:00")


def test_duckdb_readers_see_the_old_table_until_the_swap(duck, monkeypatch):
    duck.replace_table("kept", pd.DataFrame({"a": [1, 2]}))
    original = DuckDBWarehouse._write_rows
    seen = []

    def write_and_look(self, relation, frame, kinds):
        original(self, relation, frame, kinds)
        # Another connection to the same database, while the new rows are written.
        other = self._con.cursor()
        seen.append(other.execute(f"select a from {self.relation('kept')} order by a").fetchall())
        seen.append(
            other.execute(
                "select count(*) from information_schema.tables where table_name like ?", [TEMP_PREFIX + "%"]
            ).fetchone()[0]
        )
        other.close()

    monkeypatch.setattr(DuckDBWarehouse, "_write_rows", write_and_look)
    duck.replace_table("kept", pd.DataFrame({"a": [5]}))
    assert seen == [[(1,), (2,)], 0]
    assert read(duck, "kept")["a"].tolist() == [5]


# --- PostgreSQL -----------------------------------------------------------------------------

pg_only = pytest.mark.skipif(
    not os.environ.get("ML_MONITOR_PG_PORT"), reason="set ML_MONITOR_PG_PORT to test PostgreSQL"
)


def scratch_project(target: str, schema_variable: str, **env: str) -> Project:
    """The package on `target` in a schema of its own, for a module: dbt parses it once."""
    return package_project(env={"ML_MONITOR_TARGET": target, schema_variable: f"test_{uuid.uuid4().hex[:8]}", **env})


def scratch_warehouse(project: Project):
    """A warehouse of the project, its schema and that schema's sibling dropped afterwards:
    each test starts with neither."""
    wh = Warehouse.connect(project)
    yield wh
    for schema in (wh.schema, other_schema(wh)):
        wh._execute(f"drop schema if exists {wh.quote(schema)} cascade")
    wh.close()


@pytest.fixture(scope="module")
def pg_project():
    return scratch_project("postgres", "ML_MONITOR_PG_SCHEMA")


@pytest.fixture
def pg(pg_project):
    yield from scratch_warehouse(pg_project)


@pg_only
@pytest.mark.parametrize("check", CHECKS)
def test_postgres(pg, check):
    assert isinstance(pg, PostgresWarehouse)
    check(pg)


@pg_only
def test_postgres_failed_write_keeps_the_old_table(pg, monkeypatch):
    check_failed_write_keeps_the_old_table(pg, monkeypatch)


@pg_only
def test_postgres_bad_value_keeps_the_old_table(pg):
    pg.replace_table("kept", pd.DataFrame({"a": ["old"]}))
    with pytest.raises(Exception, match="0x00"):  # PostgreSQL text cannot hold NUL
        pg.replace_table("kept", pd.DataFrame({"a": ["fine"] * 1000 + ["bad\x00value"]}))
    assert read(pg, "kept")["a"].tolist() == ["old"] and temp_tables(pg) == []


@pg_only
def test_postgres_views_survive_a_refill(pg):
    pg.replace_table("t", pd.DataFrame({"a": [1]}))
    pg._execute(f"create view {pg.relation('v')} as select a from {pg.relation('t')}")
    pg.replace_table("t", pd.DataFrame({"a": [2, 3]}))
    assert read(pg, "v")["a"].tolist() == [2, 3]
    with pytest.raises(MonitorError, match="depend on it.*drop the views"):
        pg.replace_table("t", pd.DataFrame({"b": ["changed columns"]}))
    assert read(pg, "t")["a"].tolist() == [2, 3]


@pg_only
def test_postgres_unreachable(monkeypatch):
    monkeypatch.setenv("ML_MONITOR_TARGET", "postgres")
    monkeypatch.setenv("ML_MONITOR_PG_PORT", "1")
    with pytest.raises(MonitorError, match="cannot connect to PostgreSQL"):
        Warehouse.connect(package_project())


# --- Spark ----------------------------------------------------------------------------------

spark_only = pytest.mark.skipif(not HAS_SPARK, reason="needs pyspark and java (pip install 'ml-monitor[spark]')")


@pytest.fixture(scope="module")
def spark_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("spark")


@pytest.fixture(scope="module")
def spark_project(spark_dir):
    return scratch_project("spark", "ML_MONITOR_SPARK_SCHEMA", ML_MONITOR_SPARK_DIR=str(spark_dir))


@pytest.fixture
def spark(spark_project):
    """A fresh schema in one local Spark warehouse; the session is shared by the tests."""
    yield from scratch_warehouse(spark_project)


@pytest.mark.slow
@spark_only
@pytest.mark.parametrize("check", CHECKS)
def test_spark(spark, check):
    assert isinstance(spark, SparkWarehouse) and spark.quote("a`b") == "`a``b`"
    check(spark)


@pytest.mark.slow
@spark_only
def test_spark_failed_write_keeps_the_old_table(spark, monkeypatch):
    check_failed_write_keeps_the_old_table(spark, monkeypatch)


@pytest.mark.slow
@spark_only
def test_spark_failed_swap_restores_the_old_table(spark, monkeypatch):
    spark.replace_table("kept", pd.DataFrame({"a": [1, 2]}))
    original = SparkWarehouse._execute

    def fail_to_rename_the_new_table(self, sql, params=None):
        source = sql.split(" rename to ")[0]  # the old table goes to a backup name first
        if sql.startswith("alter table") and TEMP_PREFIX in source and TEMP_PREFIX + "old_" not in source:
            raise RuntimeError("metastore down")
        original(self, sql, params)

    monkeypatch.setattr(SparkWarehouse, "_execute", fail_to_rename_the_new_table)
    with pytest.raises(RuntimeError, match="metastore down"):
        spark.replace_table("kept", pd.DataFrame({"a": [7, 8, 9]}))
    monkeypatch.undo()
    assert read(spark, "kept")["a"].tolist() == [1, 2] and temp_tables(spark) == []


@pytest.mark.slow
@spark_only
def test_spark_hands_the_metastore_to_a_dbt_process(spark_dir, tmp_path):
    """What the CLI does on Spark (the other Spark tests run dbt in their own session, their
    catalog in memory): this process's session ends before a dbt process starts, since the
    embedded Derby metastore admits one process; dbt sees the tables written here, and this
    process, its session started again, sees what dbt built: a view and a table partitioned
    by bucket, its partition in the metastore."""
    env = {"ML_MONITOR_SPARK_DIR": str(spark_dir), "ML_MONITOR_SPARK_SCHEMA": f"test_{uuid.uuid4().hex[:8]}"}
    project = tiny_project(tmp_path, target="spark", env=env)
    try:
        with Warehouse.connect(project) as wh:
            for name, frame in (("predictions", serving_log(days=1)), ("reference", reference())):
                wh.replace_table(name, frame, schema=project.source_schema)
        runner.dbt(project, ["run", "--select", "+ml_monitor_prediction_ids"])
        with Warehouse.connect(project) as wh:
            assert len(wh.query(f"select * from {wh.relation('stg_ml_monitor__predictions')}")) == 30
            assert len(wh.query(f"select * from {wh.relation('ml_monitor_prediction_ids')}")) == 30
            assert len(wh.query(f"show partitions {wh.relation('ml_monitor_prediction_ids')}")) == 1
    finally:
        with Warehouse.connect(project) as wh:
            for schema in (project.source_schema, project.output_schema):
                wh._execute(f"drop schema if exists {wh.quote(schema)} cascade")


@spark_only
def test_spark_needs_the_session_method():
    # the credentials dbt resolves for a thrift target (dbt-spark[PyHive] installed)
    with pytest.raises(MonitorError, match="SparkSession.*not the 'thrift' method"):
        SparkWarehouse.open({"method": "thrift", "host": "h", "schema": "s"}, "s", create=False)
