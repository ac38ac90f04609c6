"""The package's views (materialization ml_monitor_view) are re-created only when they would
change (their compiled SQL); the reference tables
(ml_monitor_reference_table) only when the reference, their SQL or the SQL of what they
read changed. A run with nothing changed leaves them alone; --full-refresh rebuilds them
all."""

from __future__ import annotations

import os
import re

import pandas as pd
import pytest

from _tiny_project import build, canonical, reference, serving_log, sql, tiny_project, write_tables
from ml_monitor.names import DUCKDB_OUTPUT_SCHEMA as OUTPUT_SCHEMA
from ml_monitor.warehouse import Warehouse

pytestmark = pytest.mark.slow  # dbt runs of a tiny project

SELECT = "+ml_monitor_report__confidence"


def _unchanged(output: str) -> set[str]:
    return set(re.findall(r"sql \w+ model \w+\.(\w+) +\[UNCHANGED", output))


def _views(project) -> set[str]:
    names = sql(project, f"select view_name from duckdb_views() where schema_name = '{OUTPUT_SCHEMA}'")
    return set(names["view_name"])


def _readable(project, views: set[str]) -> None:
    for view in views:
        sql(project, f'select * from {OUTPUT_SCHEMA}."{view}"')


def test_views_are_recreated_only_when_they_would_change(tmp_path):
    project = tiny_project(tmp_path / "project", ml_monitor_cohorts=["country"])
    log = serving_log(n_per_day=20, days=4)
    write_tables(project, predictions=log, reference=reference())
    assert _unchanged(build(project, SELECT, command="run")) == set()
    views = _views(project)
    assert {"stg_ml_monitor__predictions", "ml_monitor_confidence", "ml_monitor_report__confidence"} <= views

    assert views <= _unchanged(build(project, SELECT, command="run"))

    # the cohort column becomes an integer: the views' SQL is the same, so they are kept, and
    # they read the new type (DuckDB binds a view when it is queried)
    write_tables(project, predictions=log.assign(country=(log["country"] == "FR").astype(int)))
    assert views <= _unchanged(build(project, SELECT, command="run"))
    _readable(project, views)
    countries = sql(project, f"select distinct country from {OUTPUT_SCHEMA}.stg_ml_monitor__predictions")
    assert sorted(countries["country"]) == [0, 1]

    # a var in a view's SQL: that view is re-created
    changed = tiny_project(
        tmp_path / "project", cli_vars={"ml_monitor_rolling_windows": [3, 7]}, ml_monitor_cohorts=["country"]
    )
    assert "ml_monitor_report__confidence" not in _unchanged(build(changed, SELECT, command="run"))
    _readable(project, views)

    assert _unchanged(build(changed, SELECT, command="run --full-refresh")) == set()


REFERENCE_TABLES = {
    "ml_monitor_reference_class_shares",
    "ml_monitor_reference_confusion_counts",
    "ml_monitor_reference_performance",
    "ml_monitor_reference_sizes",
}


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_reference_tables_are_rebuilt_only_when_the_reference_or_their_sql_changed(tmp_path, target):
    if target == "postgres" and not os.environ.get("ML_MONITOR_PG_PORT"):
        pytest.skip("no PostgreSQL server (run bin/test)")
    env = {"ML_MONITOR_PG_SCHEMA": f"views_{tmp_path.name[-20:]}".lower()} if target == "postgres" else {}
    select = " ".join(f"+{name}" for name in sorted(REFERENCE_TABLES))
    project = tiny_project(tmp_path / "project", target=target, env=env)

    def write(**tables):
        with Warehouse.connect(project, create=True) as wh:
            for name, frame in tables.items():
                wh.replace_table(name, frame, schema=project.source_schema)

    def read(name):
        with Warehouse.connect(project) as wh:
            return canonical(wh.query(f"select * from {wh.relation(name, project.output_schema)}"))

    rows = reference().assign(score_b=lambda r: r["confidence"] / 2)
    write(predictions=serving_log(n_per_day=20, days=2).assign(score_b=0.4), reference=rows)
    build(project, select, command="run")
    assert REFERENCE_TABLES | {"stg_ml_monitor__reference"} <= _unchanged(build(project, select, command="run"))

    # one holdout label changed: every reference table is rebuilt, and equals a full rebuild
    changed_label = rows.index[(rows["split"] == "validation") & (rows["label"] == "a")][0]
    write(reference=rows.assign(label=rows["label"].mask(rows.index == changed_label, "b")))
    assert REFERENCE_TABLES.isdisjoint(_unchanged(build(project, select, command="run")))
    rebuilt = {name: read(name) for name in REFERENCE_TABLES}
    build(project, select, command="run --full-refresh")
    for name in REFERENCE_TABLES:
        pd.testing.assert_frame_equal(rebuilt[name], read(name), obj=name)

    # a var in the staging view's SQL only (their own SQL is the same): rebuilt too
    remapped = tiny_project(
        tmp_path / "project", target=target, env=env, cli_vars={"ml_monitor_columns": {"confidence": "score_b"}}
    )
    assert REFERENCE_TABLES.isdisjoint(_unchanged(build(remapped, select, command="run")))
    if target == "postgres":
        with Warehouse.connect(project) as wh:
            for schema in {project.source_schema, project.output_schema}:
                wh._execute(f"drop schema if exists {wh.quote(schema)} cascade")
