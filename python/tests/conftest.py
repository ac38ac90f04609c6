"""Shared fixtures: the demo scenario generated once, loaded into a real DuckDB file and
monitored by a real `dbt build` of the demo project (which installs this package)."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ml_monitor import demo, pipeline, runner
from ml_monitor.config import Project, package_root

DEMO_PROJECT = package_root() / "demo"
PROFILES = package_root() / "profiles"
PREDICTIONS_PER_DAY = 3000
# a local Spark session needs pyspark and a JVM
HAS_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None


@dataclass
class DemoRun:
    db_path: Path
    project: Project
    data: demo.DemoData
    start: pd.Timestamp

    def sql(self, query: str, params=None) -> pd.DataFrame:
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            return con.execute(query, params or []).df()

    def table(self, name: str) -> pd.DataFrame:
        return self.sql(f"select * from {self.project.output_schema}.{name}")

    def raw(self, name: str = "predictions") -> pd.DataFrame:
        return self.sql(f"select * from main.{name}")

    def day(self, d: int) -> pd.Timestamp:
        """Start of demo day d (1-based)."""
        return self.start + pd.Timedelta(days=d - 1)


def make_project(db_path: Path, project_dir: Path = DEMO_PROJECT, **cli_vars) -> Project:
    return Project.load(project_dir, PROFILES, "duckdb", cli_vars, {"ML_MONITOR_DUCKDB_PATH": str(db_path)})


def package_project(profiles_dir: Path = PROFILES, **options) -> Project:
    """The package itself as the dbt project, with its shipped profile unless told otherwise."""
    return Project.load(package_root(), profiles_dir, **options)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    db_path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    data = demo.generate(predictions_per_day=PREDICTIONS_PER_DAY)
    demo.write_duckdb(data, db_path)
    project = make_project(db_path, **data.dbt_vars())
    runner.deps(project)
    runner.build(project)
    start = pd.Timestamp(demo.planted_dates()["class_shift"]) - pd.Timedelta(days=29)
    return DemoRun(db_path, project, data, start)


@pytest.fixture(scope="session")
def fitted_run(demo_run, tmp_path_factory) -> DemoRun:
    folder = tmp_path_factory.mktemp("pipeline")
    db_path = folder / "demo.duckdb"
    shutil.copy(demo_run.db_path, db_path)
    model_path = folder / "router.joblib"
    demo.save_model(demo_run.data.model, model_path)
    project = make_project(db_path, **demo_run.data.dbt_vars())
    report = pipeline.run(
        project,
        str(model_path),
        steps=[s for s in pipeline.STEPS if s != "build"],
        report_path=folder / "report.html",
        echo=lambda _: None,
    )
    assert report.exists()
    return DemoRun(db_path, project, demo_run.data, demo_run.start)


def pytest_collection_modifyitems(items):
    """A test that needs the demo's dbt build is slow, whether or not it says so: `-m "not
    slow"` never starts that build."""
    for item in items:
        if {"demo_run", "fitted_run"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
