"""ml_monitor as a team installs it: a wheel built from this repository, installed into a
fresh virtual environment, and a dbt project of the team's own that installs the dbt package
from it (packages.yml, `dbt deps`). The project is nothing like the demo's: its dbt_project.yml
names `profile: analytics`, the profile has no `schema` and two targets (DBT_TARGET picks the
second), profiles.yml is found through DBT_PROFILES_DIR, the inputs live in a schema of their
own, and a custom generate_schema_name puts the package's models in a schema it chooses. The
CLI, run from the project folder with no options, must find all of it as dbt does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import duckdb
import pytest
import yaml

from ml_monitor import demo
from ml_monitor.config import package_root
from ml_monitor.names import DUCKDB_OUTPUT_SCHEMA

pytestmark = pytest.mark.slow  # builds and installs the wheel

# Where dbt places the package's models, by the project's own generate_schema_name.
MONITORING = "monitoring"
GENERATE_SCHEMA_NAME = """
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if node.package_name == 'ml_monitor' -%} monitoring {%- else -%} {{ target.schema }} {%- endif -%}
{%- endmacro %}
"""


def _run(args: list, cwd: Path | None = None, env: dict | None = None, timeout: float = 900) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}: {result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin folder of a fresh venv where the wheel is installed. The venv sees this
    environment's packages (dbt, scikit-learn, ...) through a .pth file, so nothing is
    downloaded; ml_monitor itself comes from the wheel only."""
    folder = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", folder / "dist", package_root()])
    (wheel,) = (folder / "dist").glob("ml_monitor-*.whl")
    venv = folder / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    (site_packages,) = venv.glob("lib/python*/site-packages")
    (site_packages / "shared_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([venv / "bin" / "python", "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", wheel])
    return venv / "bin"


def test_the_wheel_runs_a_user_project(installed, tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "ML_MONITOR_TARGET")}
    module = _run([installed / "python", "-c", "import ml_monitor; print(ml_monitor.__file__)"], env=env)
    assert module.startswith(str(installed.parent)), module
    shipped = Path(_run([installed / "ml-monitor", "dbt-package"], env=env).strip())
    assert (shipped / "dbt_project.yml").exists() and str(shipped).startswith(str(installed.parent))

    warehouse = tmp_path / "analytics.duckdb"
    demo.write_duckdb(demo.generate(predictions_per_day=200, days=15), warehouse, schema="raw")
    project = tmp_path / "analytics"
    (project / "macros").mkdir(parents=True)
    (project / "macros" / "generate_schema_name.sql").write_text(GENERATE_SCHEMA_NAME)
    (project / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(shipped)}]}))
    (project / "dbt_project.yml").write_text(
        yaml.safe_dump(
            {
                "name": "analytics",
                "version": "1.0.0",
                "config-version": 2,
                "profile": "analytics",
                "vars": {
                    "ml_monitor_source_schema": "raw",
                    "ml_monitor_cohorts": ["channel", "country"],
                    "ml_monitor_features": ["order_value", "customer_tier"],
                    "ml_monitor_text_column": "ticket_text",
                },
            }
        )
    )
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        yaml.safe_dump(
            {
                "analytics": {
                    "target": "dev",
                    "outputs": {
                        "dev": {"type": "duckdb", "path": str(tmp_path / "not_this_one.duckdb")},
                        "ci": {"type": "duckdb", "path": str(warehouse)},
                    },
                }
            }
        )
    )

    env.update(DBT_PROFILES_DIR=str(profiles), DBT_TARGET="ci")
    output = _run([installed / "ml-monitor", "run"], cwd=project, env=env)
    assert "project: skipped" in output and "explain: skipped (needs --model)" in output
    _run([installed / "ml-monitor", "report", "-o", tmp_path / "report.html"], cwd=project, env=env)
    report = (tmp_path / "report.html").read_text()
    for section in ("alerts", "confidence", "threshold-bands", "feature-drift"):  # found, not "Not computed yet"
        assert f'<section id="section-{section}" class="card">' in report, section

    assert not (tmp_path / "not_this_one.duckdb").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:

        def tables(schema):
            return {
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables where table_schema = ?", [schema]
                ).fetchall()
            }

        placed = tables(MONITORING)
        assert {
            "ml_monitor_alerts",
            "ml_monitor_confidence",
            "ml_monitor_thresholds",
            "ml_monitor_calibration",
        } <= placed
        assert not tables(DUCKDB_OUTPUT_SCHEMA) and not tables("main")
        # the fitted views found the thresholds the CLI wrote beside them
        sources = con.execute(
            f"select distinct threshold_source from {MONITORING}.ml_monitor_threshold_bands"
        ).fetchall()
        assert sources == [("fitted",)]
