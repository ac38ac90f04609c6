"""The package's views (materialization ml_monitor_view) are re-created only when they would
change: their compiled SQL, or the column types of what they read. A run with neither
changed leaves them alone; --full-refresh re-creates them all."""

from __future__ import annotations

import re

import pytest

from _tiny_project import build, reference, serving_log, sql, tiny_project, write_tables
from ml_monitor.names import DUCKDB_OUTPUT_SCHEMA as OUTPUT_SCHEMA

pytestmark = pytest.mark.slow  # five dbt runs of a tiny project

SELECT = "+ml_monitor_report__confidence"


def _unchanged(output: str) -> set[str]:
    return set(re.findall(r"ml_monitor_view model \w+\.(\w+) +\[UNCHANGED", output))


def _views(project) -> set[str]:
    names = sql(project, f"select view_name from duckdb_views() where schema_name = '{OUTPUT_SCHEMA}'")
    return set(names["view_name"])


def _readable(project, views: set[str]) -> None:
    for view in views:
        sql(project, f'select * from {OUTPUT_SCHEMA}."{view}"')


def test_views_are_recreated_only_when_they_would_change(tmp_path):
    project = tiny_project(tmp_path / "project")
    log = serving_log(n_per_day=20, days=4)
    write_tables(project, predictions=log, reference=reference())
    assert _unchanged(build(project, SELECT, command="run")) == set()
    views = _views(project)
    assert {"stg_ml_monitor__predictions", "ml_monitor_confidence", "ml_monitor_report__confidence"} <= views

    assert _unchanged(build(project, SELECT, command="run")) == views

    # the cohort column becomes an integer: the staging views, which read the log, are
    # re-created, the others not, and every view reads
    write_tables(project, predictions=log.assign(country=(log["country"] == "FR").astype(int)))
    unchanged = _unchanged(build(project, SELECT, command="run"))
    assert "stg_ml_monitor__predictions" not in unchanged and "ml_monitor_fitted_thresholds" in unchanged
    _readable(project, views)

    # a var in a view's SQL: that view is re-created
    changed = tiny_project(tmp_path / "project", cli_vars={"ml_monitor_rolling_windows": [3, 7]})
    assert "ml_monitor_report__confidence" not in _unchanged(build(changed, SELECT, command="run"))
    _readable(project, views)

    assert _unchanged(build(changed, SELECT, command="run --full-refresh")) == set()
