"""The demo loaded into PostgreSQL and into Spark gives the same monitoring tables as on
DuckDB: counts exactly equal, metrics within 1e-9 relative, the same alerts.

PostgreSQL runs when bin/test has started a server (ML_MONITOR_PG_PORT). Spark runs when
pyspark and java are installed, on a local session whose warehouse lives in a temporary
folder and whose catalog in memory, dbt running in that session. Both compare a small demo
(PREDICTIONS_PER_DAY, DAYS) with one DuckDB build of the same data: a warehouse's cost is
per statement (dbt on local Spark pays seconds per model), and what parity checks is the SQL
each warehouse runs, which a small log that holds every planted event exercises as a large
one does."""

from __future__ import annotations

import decimal
import json
import os
import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _tiny_project import dbt_in_process, pipeline_dbt_in_process, spark_in_this_process
from conftest import DEMO_PROJECT, HAS_SPARK, PROFILES, built_once, make_project
from ml_monitor import demo, pipeline
from ml_monitor.config import Project
from ml_monitor.warehouse import Warehouse

pytestmark = pytest.mark.slow  # the demo built on PostgreSQL and Spark

PREDICTIONS_PER_DAY = int(os.environ.get("ML_MONITOR_PARITY_PER_DAY", "300"))
DAYS = 46  # the last planted event starts on day 45; Spark writes a partition per bucket
AVAILABLE = {
    "postgres": ("ML_MONITOR_PG_PORT" in os.environ, "no PostgreSQL server (run bin/test)"),
    "spark": (HAS_SPARK, "no pyspark or java (pip install 'ml-monitor[spark]')"),
}

GRAINS = {
    "ml_monitor_base_stats": [
        "model_id",
        "bucket_start",
        "cohort_name",
        "cohort_value",
        "predicted_class",
        "row_kind",
        "band",
        "column_name",
    ],
    "ml_monitor_confidence": ["model_id", "bucket_start", "cohort_name", "cohort_value", "predicted_class"],
    "ml_monitor_confidence_rolling": [
        "model_id",
        "bucket_start",
        "cohort_name",
        "cohort_value",
        "predicted_class",
        "window_buckets",
    ],
    "ml_monitor_class_distribution": ["model_id", "bucket_start", "cohort_name", "cohort_value", "predicted_class"],
    "ml_monitor_class_drift": ["model_id", "bucket_start", "cohort_name", "cohort_value"],
    "ml_monitor_schema_diff": ["column_name"],
    "ml_monitor_null_fractions": ["model_id", "column_name", "scope", "bucket_start", "cohort_name", "cohort_value"],
    "ml_monitor_threshold_bands": [
        "model_id",
        "bucket_start",
        "cohort_name",
        "cohort_value",
        "predicted_class",
        "band",
    ],
    "ml_monitor_feature_drift": ["model_id", "bucket_start", "cohort_name", "cohort_value", "feature"],
    "ml_monitor_label_queue": ["model_id", "reason", "priority"],
    "ml_monitor_performance": ["model_id", "bucket_start", "cohort_name", "cohort_value", "predicted_class"],
    "ml_monitor_estimated_performance": ["model_id", "bucket_start", "cohort_name", "cohort_value"],
    "ml_monitor_data_quality": ["model_id", "bucket_start", "cohort_name", "cohort_value", "reason", "column_name"],
    "ml_monitor_estimated_metrics": [
        "model_id",
        "bucket_start",
        "cohort_name",
        "cohort_value",
        "predicted_class",
        "metric",
    ],
    "ml_monitor_estimator_reliability": ["model_id", "bucket_start"],
    "ml_monitor_performance_drop": ["model_id", "bucket_start", "cohort_name", "cohort_value", "metric"],
    "ml_monitor_label_shift": ["model_id", "bucket_start", "cohort_name", "cohort_value"],
    "ml_monitor_alert_tests": ["alert_type", "model_id", "bucket_start", "cohort_name", "cohort_value", "subject"],
    "ml_monitor_alerts": ["alert_type", "model_id", "bucket_start", "cohort_name", "cohort_value", "subject", "metric"],
    "ml_monitor_alert_episodes": ["episode_id"],
    "ml_monitor_segment_findings": ["alert_type", "model_id", "bucket_start", "subject", "cohort_name", "cohort_value"],
    "ml_monitor_incidents": ["incident_id"],
    "ml_monitor_thresholds": ["model_id", "predicted_class"],
    "ml_monitor_calibration": ["model_id", "predicted_class", "score_lower"],
    "ml_monitor_volume": ["model_id", "bucket_start", "cohort_name", "cohort_value"],
    "ml_monitor_freshness": ["model_id", "stream"],
    "ml_monitor_label_coverage": ["model_id", "bucket_start", "cohort_name", "cohort_value"],
    "ml_monitor_schema_history": ["column_name", "first_observed_at"],
    "ml_monitor_calibration_drift": ["model_id", "scope", "bucket_start", "predicted_class"],
    "ml_monitor_calibration_bins": ["model_id", "scope", "bucket_start", "predicted_class", "bin"],
    # the report's views (models/report/): their filters, joins and ranks
    "ml_monitor_report__settings": ["time_grain"],
    "ml_monitor_report__confidence": ["model_id", "bucket_start", "cohort_name", "cohort_value", "predicted_class"],
    "ml_monitor_report__class_shares": ["model_id", "bucket_start", "predicted_class"],
    "ml_monitor_report__class_drift": ["model_id", "bucket_start", "cohort_name", "cohort_value"],
    "ml_monitor_report__threshold_bands": ["model_id", "predicted_class", "bucket_start", "band"],
    "ml_monitor_report__thresholds": ["model_id", "predicted_class", "bucket_start"],
    "ml_monitor_report__null_fractions": ["model_id", "bucket_start", "column_name"],
    "ml_monitor_report__performance": ["model_id", "bucket_start", "predicted_class"],
    "ml_monitor_report__estimated_metrics": ["model_id", "bucket_start", "predicted_class", "metric"],
    "ml_monitor_report__reliability_bins": ["model_id", "scope", "bucket_start", "bin"],
    "ml_monitor_report__volume": ["model_id", "bucket_start", "cohort_name", "cohort_value"],
    "ml_monitor_report__label_coverage": ["model_id", "bucket_start", "cohort_name", "cohort_value"],
    "ml_monitor_report__feature_drift": ["model_id", "bucket_start", "feature"],
    "ml_monitor_report__segments": ["alert_type", "model_id", "bucket_start", "subject", "cohort_name", "cohort_value"],
    "ml_monitor_report__alerts": [
        "alert_type",
        "model_id",
        "bucket_start",
        "cohort_name",
        "cohort_value",
        "subject",
        "metric",
    ],
    "ml_monitor_report__alert_heatmap": ["model_id", "alert_type", "bucket_start"],
    "ml_monitor_report__episodes": ["episode_id"],
    "ml_monitor_report__episode_alerts": [
        "episode_id",
        "alert_type",
        "bucket_start",
        "cohort_name",
        "cohort_value",
        "subject",
        "metric",
    ],
}
# columns that legitimately differ between runs or adapters
SKIP_COLUMNS = {
    "config_version",
    "fitted_at",
    "reference_type",
    "serving_type",
    "observed_at",
    "data_type",
}  # types as each warehouse names them
STEPS = ["build", "fit-thresholds"]
# Spark's build runs without its data tests (116, about a second each on local Spark), then
# one test of each generic test and every singular test (14). A data test's outcome is decided
# by the values of the tables it reads, which the tests below compare with DuckDB's, where the
# build runs every data test; what only Spark can break is a test's SQL, the same for every
# use of a generic test but its arguments.
WITHOUT_DATA_TESTS = {"DBT_EXCLUDE_RESOURCE_TYPES": "test"}


# The report's views are queries over the tables compared here: PostgreSQL compares them too;
# on local Spark each costs seconds of planning, so its run leaves them out.
REPORT_VIEWS = {table for table in GRAINS if table.startswith("ml_monitor_report__")}


def _read_all(project: Project) -> dict[str, pd.DataFrame]:
    tables = [t for t in GRAINS if not (project.adapter_type == "spark" and t in REPORT_VIEWS)]
    with Warehouse.connect(project) as wh:
        return {table: _normalise(wh.query(f"select * from {wh.relation(table)}"), table) for table in tables}


def _run_and_read(project: Project) -> dict[str, pd.DataFrame]:
    pipeline.run(project, None, steps=STEPS, echo=lambda _: None)
    return _read_all(project)


def _load_and_run(project: Project, data: demo.DemoData) -> dict[str, pd.DataFrame]:
    with Warehouse.connect(project, create=True) as wh:
        demo.write_warehouse(data, wh, project.source_schema)
    return _run_and_read(project)


def _build_on_duckdb(folder: Path, data: demo.DemoData) -> None:
    """The tables the warehouses are compared with: the data built and fitted on DuckDB,
    where every data test runs, pickled for every worker."""
    duck = make_project(folder / "demo.duckdb", **data.dbt_vars())
    demo.write_duckdb(data, folder / "demo.duckdb")
    (folder / "expected.pickle").write_bytes(pickle.dumps(_run_and_read(duck)))


@pytest.fixture(scope="module", params=sorted(AVAILABLE))
def parity(request, tmp_path_factory):
    """(expected tables on DuckDB, the same tables on the target) for each target."""
    target = request.param
    available, reason = AVAILABLE[target]
    if not available:
        pytest.skip(reason)
    data = demo.generate(predictions_per_day=PREDICTIONS_PER_DAY, days=DAYS)  # the same log on every worker
    if target == "postgres":
        got = _load_and_run(Project.load(DEMO_PROJECT, PROFILES, "postgres", data.dbt_vars()), data)
    else:
        got = _on_spark(spark_in_this_process(tmp_path_factory), data)
    # after the target's run, so that a worker waiting for the other's DuckDB build waits least
    folder = built_once(tmp_path_factory, "parity-duckdb", lambda folder: _build_on_duckdb(folder, data))
    return pickle.loads((folder / "expected.pickle").read_bytes()), got


def _on_spark(env: dict, data: demo.DemoData) -> dict[str, pd.DataFrame]:
    project = Project.load(DEMO_PROJECT, PROFILES, "spark", data.dbt_vars(), {**env, **WITHOUT_DATA_TESTS})
    # dbt in this process, in the warm session that loads and reads the tables (dbt processes,
    # which hand a Derby metastore over, are test_warehouse.py's)
    with pipeline_dbt_in_process():
        with Warehouse.connect(project, create=True) as wh:
            demo.write_warehouse(data, wh, project.source_schema)
        pipeline.run(project, None, steps=STEPS, echo=lambda _: None)
    # then a daily run of every incremental model (on Spark a partition overwrite that must
    # not read its own table): the tables compared below are what it leaves
    dbt_in_process(project, ["run", "--select", "package:ml_monitor,config.materialized:ml_monitor_incremental"])
    dbt_in_process(replace(project, env=env), ["test", "--select", *_one_data_test_of_each_kind(project)])
    return _read_all(project)


def _one_data_test_of_each_kind(project: Project) -> list[str]:
    """The first data test of each generic test, and every singular test, from the manifest
    of the project's last dbt command."""
    manifest = json.loads((Path(project.project_dir) / "target" / "manifest.json").read_text())
    chosen = {}
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] == "test":
            generic = node.get("test_metadata")
            chosen.setdefault((generic["namespace"], generic["name"]) if generic else unique_id, node["name"])
    return sorted(chosen.values())


def _normalise(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    frame = frame.drop(columns=[c for c in frame.columns if c in SKIP_COLUMNS])
    for column in frame.columns:
        if frame[column].dtype == object and any(isinstance(v, decimal.Decimal) for v in frame[column]):
            frame[column] = frame[column].astype(float)
    keys = GRAINS[table]
    return frame.sort_values(keys, na_position="first").reset_index(drop=True)[sorted(frame.columns)]


@pytest.mark.parametrize("table", sorted(GRAINS))
def test_warehouse_matches_duckdb(parity, table):
    if table not in parity[1]:
        pytest.skip("the report's views are compared on PostgreSQL")
    expected, got = parity[0][table], parity[1][table]
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected), table
    for column in expected.columns:
        a, b = expected[column], got[column]
        if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
            a, b = a.astype(float).to_numpy(), b.astype(float).to_numpy()
            assert np.array_equal(np.isnan(a), np.isnan(b)), column
            ok = ~np.isnan(a)
            np.testing.assert_allclose(b[ok], a[ok], rtol=1e-9, atol=1e-12, err_msg=f"{table}.{column}")
        elif pd.api.types.is_datetime64_any_dtype(a):
            assert (pd.to_datetime(a).fillna(pd.Timestamp(0)) == pd.to_datetime(b).fillna(pd.Timestamp(0))).all(), (
                column
            )
        else:
            assert (
                a.astype(object).where(a.notna(), None).tolist() == b.astype(object).where(b.notna(), None).tolist()
            ), f"{table}.{column}"
