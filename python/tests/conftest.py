"""Shared fixtures: the demo scenario generated once, loaded into a real DuckDB file and
monitored by a real `dbt build` of the demo project (which installs this package).

The suite runs on two cores with pytest-xdist (bin/test: `-n 2`). Each worker has its own
copy of the demo project (dbt writes target/, logs/ and dbt_packages/ into the project on
every run) and of the demo's DuckDB file; the demo is generated and built once per run,
by whichever worker needs it first."""

from __future__ import annotations

import atexit
import fcntl
import importlib.util
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from _tiny_project import dbt_runs_in_this_process, dbt_target, jinja_compiled_once, main_in_process
from ml_monitor import demo, pipeline, runner
from ml_monitor.config import Project, package_root

PROFILES = package_root() / "profiles"
PREDICTIONS_PER_DAY = 3000
# a local Spark session needs pyspark and a JVM
HAS_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None


RUNNER_DBT = runner.dbt  # dbt in a child process, as the CLI runs it


@pytest.fixture(scope="session", autouse=True)
def _dbt_in_this_process():
    """dbt on DuckDB and PostgreSQL runs in the test's process (see dbt_runs_in_this_process),
    where Jinja compiles each template once (jinja_compiled_once)."""
    with dbt_runs_in_this_process(), jinja_compiled_once():
        yield


@pytest.fixture
def dbt_process(monkeypatch) -> None:
    """dbt in a child process for this test, as the CLI runs it: where the test is about
    that process (its output read line by line as it runs)."""
    monkeypatch.setattr(runner, "dbt", RUNNER_DBT)


def _demo_project_copy() -> Path:
    """This process's copy of the demo project, installing the package by its absolute path
    (what `dbt deps` does for a local package: a link)."""
    folder = Path(tempfile.mkdtemp(prefix="ml_monitor_demo_")) / "demo"
    atexit.register(shutil.rmtree, folder.parent, ignore_errors=True)
    ignored = shutil.ignore_patterns("target", "logs", "dbt_packages", "package-lock.yml")
    shutil.copytree(package_root() / "demo", folder, ignore=ignored)
    (folder / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(package_root())}]}))
    (folder / "dbt_packages").mkdir()
    (folder / "dbt_packages" / "ml_monitor").symlink_to(package_root(), target_is_directory=True)
    return folder


DEMO_PROJECT = _demo_project_copy()


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
    env = {
        "ML_MONITOR_DUCKDB_PATH": str(db_path),
        "DBT_TARGET_PATH": str(dbt_target(project_dir, db_path, sorted(cli_vars.items()))),
    }
    return Project.load(project_dir, PROFILES, "duckdb", cli_vars, env)


@dataclass
class Result:
    code: int
    out: str
    err: str


def ml_monitor(capfd, *args: str) -> Result:
    """The CLI's entry point in this process, as `ml-monitor ARGS` would run it (no Python or
    dbt to start: where a test is about the CLI's output, not about a process of its own)."""
    code = main_in_process(["ml-monitor", *args])
    out, err = capfd.readouterr()
    return Result(code, out, err)


def package_project(profiles_dir: Path = PROFILES, **options) -> Project:
    """The package itself as the dbt project, with its shipped profile unless told otherwise."""
    return Project.load(package_root(), profiles_dir, **options)


def built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder that build(folder) fills once per test run, whichever worker asks first; the
    others wait for it (pytest-xdist's workers share the parent of their base folders)."""
    root = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        root = root.parent
    folder = root / f"built-{name}"
    with open(root / f"built-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / "done").touch()
    return folder


def _own_built(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """This worker's folder of what build(folder) makes once per test run (built_once): tests
    open its DuckDB file read-write. The worker that builds it keeps the folder it built in,
    the others copy it: dbt's parse of the build stays valid only at the same file path (the
    path is part of the profile, and a full parse costs some 4.5 CPU seconds)."""
    folder = tmp_path_factory.mktemp(name)

    def build_here_and_share(shared: Path) -> None:
        build(folder)
        shutil.copytree(folder, shared, dirs_exist_ok=True)

    shared = built_once(tmp_path_factory, name, build_here_and_share)
    if not any(folder.iterdir()):
        shutil.copytree(shared, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("done"))
    return folder


def _build_demo(folder: Path) -> None:
    data = demo.generate(predictions_per_day=PREDICTIONS_PER_DAY)
    demo.write_duckdb(data, folder / "demo.duckdb")
    runner.build(make_project(folder / "demo.duckdb", **data.dbt_vars()))
    (folder / "data.pickle").write_bytes(pickle.dumps(data))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    folder = _own_built(tmp_path_factory, "demo", _build_demo)
    data = pickle.loads((folder / "data.pickle").read_bytes())
    start = pd.Timestamp(demo.planted_dates()["class_shift"]) - pd.Timedelta(days=29)
    return DemoRun(folder / "demo.duckdb", make_project(folder / "demo.duckdb", **data.dbt_vars()), data, start)


@pytest.fixture(scope="session")
def thresholds_run(demo_run, tmp_path_factory) -> DemoRun:
    """The demo after the pipeline's fit-thresholds step (fit, then the models that read the
    fit rebuilt): where fitted_run's later steps start, and where a build and fit end."""

    def fit(folder: Path) -> None:
        shutil.copy(demo_run.db_path, folder / "demo.duckdb")
        project = make_project(folder / "demo.duckdb", **demo_run.data.dbt_vars())
        pipeline.run(project, None, steps=["fit-thresholds"], echo=lambda _: None)

    folder = _own_built(tmp_path_factory, "thresholds", fit)
    project = make_project(folder / "demo.duckdb", **demo_run.data.dbt_vars())
    return DemoRun(folder / "demo.duckdb", project, demo_run.data, demo_run.start)


@pytest.fixture(scope="session")
def fitted_run(thresholds_run, tmp_path_factory) -> DemoRun:
    def fit(folder: Path) -> None:
        shutil.copy(thresholds_run.db_path, folder / "demo.duckdb")
        demo.save_model(thresholds_run.data.model, folder / "router.joblib")
        pipeline.run(
            make_project(folder / "demo.duckdb", **thresholds_run.data.dbt_vars()),
            str(folder / "router.joblib"),
            steps=[s for s in pipeline.STEPS if s not in ("build", "fit-thresholds")],
            report_path=folder / "report.html",
            echo=lambda _: None,
        )

    folder = _own_built(tmp_path_factory, "pipeline", fit)
    assert (folder / "report.html").exists()
    project = make_project(folder / "demo.duckdb", **thresholds_run.data.dbt_vars())
    return DemoRun(folder / "demo.duckdb", project, thresholds_run.data, thresholds_run.start)


# --- two workers ---------------------------------------------------------------------
# A test's scope is its module (the module's fixtures are built once), except that a
# module's PostgreSQL tests are a scope of their own, every Spark test is in one scope (one
# worker's Spark session, its JVM started once and warm for the next module's queries), and
# modules that run the repository's own demo project (`ml-monitor demo`, the benchmarks)
# share one scope.
REPOSITORY_DEMO = ("test_demo.py", "test_bench.py", "test_bench_alerts.py")
# The longest scopes first, so that neither worker is left with one at the end (from
# `--durations=0` of a whole run; the other scopes follow in the order collected).
LONGEST_FIRST = [
    "spark",
    "repository demo",
    "python/tests/test_faults.py",
    "python/tests/test_views.py",
    "python/tests/test_parity.py[postgres]",
    "python/tests/test_properties.py",
    "python/tests/test_bad_input.py",
    "python/tests/test_incremental.py",
    "python/tests/test_warehouse.py",
    "python/tests/test_configuration.py",
    "python/tests/test_log_health.py",
    "python/tests/test_docs.py",
    "python/tests/test_report.py",
    "python/tests/test_notify.py",
    "python/tests/test_user_project.py",
]


def scope_of(nodeid: str) -> str:
    module, _, name = nodeid.partition("::")
    if "spark" in name:
        return "spark"
    if Path(module).name in REPOSITORY_DEMO:
        return "repository demo"
    return module + ("[postgres]" if "postgres" in name else "")


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    config.option.loadscopereorder = False  # the collection's order: LONGEST_FIRST
    return Scheduling(config, log)


def pytest_itemcollected(item):
    """A test that needs the demo's dbt build is slow, whether or not it says so: `-m "not
    slow"` never starts that build (marked as collected: `-m` deselects before the hook below)."""
    if {"demo_run", "fitted_run"} & set(getattr(item, "fixturenames", ())):
        item.add_marker(pytest.mark.slow)


@pytest.hookimpl(trylast=True)  # after pytest has grouped the items by their fixtures' params
def pytest_collection_modifyitems(items):
    """The longest scopes run first."""
    rank = {scope: i for i, scope in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(scope_of(item.nodeid), len(rank)))
