"""The package's own dbt tests: the data tests of invariants (tests/) and the unit tests
(models/_unit_tests.yml) run in the demo's `dbt build` (demo_run passes them); here a
broken invariant makes `dbt test` fail, naming each test."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from conftest import make_project
from ml_monitor import report, runner
from ml_monitor.errors import MonitorError

pytestmark = pytest.mark.slow  # the session's demo build


def test_the_unit_tests_run_on_the_demo(demo_run):
    output = runner.dbt(demo_run.project, ["test", "--select", "test_type:unit"])
    assert "PASS=3 " in output


def test_broken_invariants_fail_dbt_test(demo_run, tmp_path):
    db_path = tmp_path / "demo.duckdb"
    shutil.copy(demo_run.db_path, db_path)
    project = make_project(db_path)
    schema = project.output_schema
    with duckdb.connect(str(db_path)) as con:
        con.execute(
            f"update {schema}.ml_monitor_class_distribution set share = share + 0.1 where predicted_class = 'billing'"
        )
        con.execute(f"update {schema}.ml_monitor_series_buckets set n = n + 1")
        con.execute(f"delete from {schema}.ml_monitor_alert_tests where alert_type = 'class_drift'")
    with pytest.raises(MonitorError) as failure:
        runner.dbt(project, ["test", "--select", "test_type:singular"])
    for test in (
        "ml_monitor_class_shares_sum_to_one",
        "ml_monitor_rolling_n_is_the_sum_of_its_buckets",
        "ml_monitor_alerts_have_a_source",
    ):
        assert f"Failure in test {test} " in str(failure.value)


def test_the_alert_types_view_lists_every_alert_type(demo_run):
    """ml_monitor_alert_types (from macro ml_monitor.alert_types) names every type the tests
    raise, ranks them 1..N, and gives each the report section the report links it to."""
    schema = demo_run.project.output_schema
    with duckdb.connect(str(demo_run.db_path), read_only=True) as con:
        types = con.execute(f"select alert_type, type_rank, section from {schema}.ml_monitor_alert_types").fetchall()
        tested = {
            t for (t,) in con.execute(f"select distinct alert_type from {schema}.ml_monitor_alert_tests").fetchall()
        }
    names = [name for name, _, _ in types]
    assert len(set(names)) == len(names) and tested <= set(names)
    assert sorted(rank for _, rank, _ in types) == list(range(1, len(types) + 1))
    assert {name: section for name, _, section in types if section} == report.ALERT_SECTIONS
