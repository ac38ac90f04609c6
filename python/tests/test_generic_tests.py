"""Each generic dbt test of the package passes on clean data and fails on data built to
break it, in a small dbt project that installs the package like a user's would."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import make_project
from ml_monitor import runner
from ml_monitor.config import package_root
from ml_monitor.errors import MonitorError

pytestmark = pytest.mark.slow  # a dbt build of a tiny project

TESTS_YAML = """
version: 2
sources:
  - name: data
    schema: main
    tables:
      - name: reference
      - name: log
{tables}
"""

CHECKS = """
      - name: {name}
        tests:
          - ml_monitor.class_distribution_matches_reference:
              arguments: {{column_name: predicted_class, reference: "source('data', 'reference')", reference_column: label, max_psi: 0.2, max_js: 0.1}}
          - ml_monitor.schema_matches_reference:
              arguments: {{reference: "source('data', 'reference')"}}
        columns:
          - name: order_value
            tests:
              - ml_monitor.null_fraction_within_tolerance:
                  arguments: {{reference: "source('data', 'reference')", tolerance: 0.05}}
          - name: confidence
            tests:
              - ml_monitor.mean_confidence_within_band:
                  arguments: {{reference: "source('data', 'reference')", max_delta: 0.05}}
"""

FRESHNESS = """
      - name: {name}
        tests:
          - ml_monitor.label_queue_is_fresh:
              arguments: {{column_name: predicted_at, max_age_hours: 48, compare_to: "source('data', 'log')"}}
"""


def _frame(rng, n, shares, null_share, confidence_mean) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "predicted_class": rng.choice(["a", "b", "c"], n, p=shares),
            "label": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
            "confidence": np.clip(rng.normal(confidence_mean, 0.05, n), 0, 1),
            "order_value": np.where(rng.random(n) < null_share, np.nan, rng.normal(50, 10, n)),
        }
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("generic")
    rng = np.random.default_rng(3)
    reference = _frame(rng, 5000, [0.5, 0.3, 0.2], 0.0, 0.8)
    clean = _frame(rng, 3000, [0.5, 0.3, 0.2], 0.01, 0.8)
    broken = _frame(rng, 3000, [0.2, 0.2, 0.6], 0.3, 0.6).assign(extra=1)
    with duckdb.connect(str(folder / "data.duckdb")) as con:
        for name, frame in {"reference": reference, "clean": clean, "broken": broken}.items():
            con.register("frame", frame)
            con.execute(f"create table {name} as select * from frame")
            con.unregister("frame")
        con.execute("create table log as select timestamp '2026-03-01 12:00' as predicted_at")
        con.execute("create table queue_fresh as select timestamp '2026-03-01 06:00' as predicted_at")
        con.execute("create table queue_stale as select timestamp '2026-02-20 06:00' as predicted_at")
    (folder / "dbt_project.yml").write_text(
        "name: generic_check\nversion: '1.0'\nconfig-version: 2\nprofile: ml_monitor\n"
    )
    (folder / "packages.yml").write_text(f"packages:\n  - local: {package_root()}\n")
    (folder / "models").mkdir()
    tables = "".join(CHECKS.format(name=n) for n in ("clean", "broken")) + "".join(
        FRESHNESS.format(name=n) for n in ("queue_fresh", "queue_stale")
    )
    (folder / "models" / "sources.yml").write_text(TESTS_YAML.format(tables=tables))
    project = make_project(folder / "data.duckdb", project_dir=folder)
    # what `dbt deps` installs for a local package: a link (test_user_project runs dbt deps)
    (folder / "dbt_packages").mkdir()
    (folder / "dbt_packages" / "ml_monitor").symlink_to(package_root(), target_is_directory=True)
    with pytest.raises(MonitorError):  # the broken tables fail
        runner.dbt(project, ["test", "--write-json"])  # run_results.json, read below
    outcome = json.loads((Path(project.env["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    return {r["unique_id"]: r["status"] for r in outcome["results"]}


@pytest.mark.parametrize(
    "test_name",
    [
        "class_distribution_matches_reference",
        "schema_matches_reference",
        "null_fraction_within_tolerance",
        "mean_confidence_within_band",
    ],
)
def test_passes_on_clean_and_fails_on_broken(results, test_name):
    clean = [s for uid, s in results.items() if test_name in uid and "_clean_" in uid]
    broken = [s for uid, s in results.items() if test_name in uid and "_broken_" in uid]
    assert clean == ["pass"], clean
    assert broken == ["fail"], broken


def test_label_queue_freshness(results):
    fresh = [s for uid, s in results.items() if "label_queue_is_fresh" in uid and "queue_fresh" in uid]
    stale = [s for uid, s in results.items() if "label_queue_is_fresh" in uid and "queue_stale" in uid]
    assert fresh == ["pass"] and stale == ["fail"]
