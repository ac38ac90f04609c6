"""A tiny dbt project that installs ml_monitor, over a DuckDB file the test fills.

`tiny_project(folder, ...)` writes dbt_project.yml, installs the package by linking
dbt_packages/ml_monitor to this repository (what `dbt deps` does for a local package; with
no packages.yml, the CLI has no `dbt deps` to run) and writes a profile of its own (DuckDB
settings such as TimeZone can be set), and returns the Project. The
tests write `main.predictions` and `main.reference` with `write_tables` and run dbt with
`ml_monitor.runner`, exactly as the CLI does.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock

import duckdb
import pandas as pd
import pytest
import yaml

from ml_monitor import runner
from ml_monitor.config import Project, package_root
from ml_monitor.names import DUCKDB_OUTPUT_SCHEMA as OUTPUT_SCHEMA
from ml_monitor.warehouse import Warehouse

# Everything the bad-input and metric tests read, and what those models need.
CORE_SELECT = (
    "+ml_monitor_class_drift +ml_monitor_confidence +ml_monitor_null_fractions +ml_monitor_feature_drift "
    "+ml_monitor_data_quality +ml_monitor_reference_sizes +ml_monitor_alerts"
)

TARGETS = Path(tempfile.mkdtemp(prefix="ml_monitor_targets_"))
atexit.register(shutil.rmtree, TARGETS, ignore_errors=True)


def dbt_target(*configuration) -> Path:
    """dbt's target folder for one configuration of a project (its folder, DuckDB file, vars):
    dbt reuses its saved parse (target/partial_parse.msgpack, ~0.3 CPU seconds) only for the
    profile and vars it was made with and parses in full otherwise (~4.5 CPU seconds), so
    configurations that share a project folder and take turns keep a target each."""
    return TARGETS / hashlib.sha1(repr(configuration).encode()).hexdigest()[:12]


def tiny_project(
    folder: Path,
    settings: dict | None = None,
    target: str = "duckdb",
    env: dict | None = None,
    cli_vars: dict | None = None,
    **project_vars,
) -> Project:
    """project_vars go into dbt_project.yml (so the CLI, run on the folder, sees them too);
    cli_vars are passed as --vars by the returned Project only. The tests' logs are old:
    they are judged as of their own end (ml_monitor_now: log_end) unless a test says otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "models").mkdir(exist_ok=True)
    (folder / "dbt_project.yml").write_text(
        yaml.safe_dump(
            {
                "name": "tiny",
                "version": "0.1.0",
                "config-version": 2,
                "profile": "ml_monitor",
                "model-paths": ["models"],
                "target-path": "target",
                "vars": {"ml_monitor_now": "log_end", **project_vars},
            }
        )
    )
    link = folder / "dbt_packages" / "ml_monitor"
    link.parent.mkdir(exist_ok=True)
    if not link.is_symlink():
        link.symlink_to(package_root(), target_is_directory=True)
    packaged = yaml.safe_load((package_root() / "profiles" / "profiles.yml").read_text())["ml_monitor"]["outputs"]
    outputs = {
        "duckdb": {
            "type": "duckdb",
            "path": str(folder / "warehouse.duckdb"),
            "schema": "main",
            "threads": 2,
            "settings": dict(settings or {}),
        },
        "postgres": packaged["postgres"],
        "spark": packaged["spark"],
    }
    profiles = folder / "profiles"
    profiles.mkdir(exist_ok=True)
    (profiles / "profiles.yml").write_text(yaml.safe_dump({"ml_monitor": {"target": target, "outputs": outputs}}))
    return Project.load(folder, profiles, target, cli_vars or {}, env or {})


def build(project: Project, select: str = CORE_SELECT, command: str = "build", in_process: bool = False) -> str | None:
    """dbt build (models and their tests) or run of the selected models (command: "run",
    "run --full-refresh", ...); tests that also read unselected models are left out
    (cautious indirect selection); dbt's output, or None when run in this process (in_process:
    see dbt_in_process)."""
    args = [*command.split(), "--select", *select.split(), "--indirect-selection", "cautious"]
    return dbt_in_process(project, args) if in_process else runner.dbt(project, args)


def dbt_in_process(project: Project, args: list[str]) -> None:
    """A dbt command in this process rather than in a dbt process as the CLI runs it, for the
    Spark tests: dbt-spark's session method takes this process's SparkSession, its JVM started
    and warm, where a dbt process would start a JVM of its own (and this one would release the
    metastore first). Raises AssertionError naming what failed."""
    from dbt.cli.main import dbtRunner

    with Warehouse.connect(project, create=True), project._environment():  # the session the steps share
        result = dbtRunner().invoke([*args, *project.dbt_args(), "--log-level", "none"])
    failed = [f"{r.node.name}: {r.message}" for r in result.result or [] if r.status not in ("success", "pass", "warn")]
    assert result.success, failed or result.exception


@contextlib.contextmanager
def dbt_runs_in_this_process() -> Iterator[None]:
    """runner.dbt on DuckDB and PostgreSQL projects runs dbt in this process rather than in a
    child: the same command, environment, output and error handling (only the child is
    replaced), less a Python and dbt start-up (about 3.5 CPU seconds) per command. It writes
    no JSON artifacts (manifest.json twice and run_results.json, some 0.6 CPU seconds a
    command) unless the command or the environment asks (--write-json): tests read them
    rarely. Tests that need dbt in a process of its own (its output streamed as it runs) ask
    for the fixture `dbt_process` (conftest); the CLI run as a process (`cli`) runs dbt in one
    as ever. Spark keeps its child process (a JVM of its own) unless a test runs dbt in its
    session (dbt_in_process)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    dbt = runner.dbt

    def in_this_process(args: list[str], env: dict, capture: bool, on_line=None) -> tuple[int, str]:
        assert args[:3] == [sys.executable, "-m", "dbt.cli.main"], args
        output = io.StringIO()
        with (
            mock.patch.dict(os.environ, {"DBT_WRITE_JSON": "false", **env}),
            contextlib.redirect_stdout(output) if capture else contextlib.nullcontext(),
        ):
            result = dbtRunner().invoke(args[3:])
        # dbt-duckdb keeps its database open between commands in one process: close it, as a
        # dbt process's exit does, so that the test and the steps can open the file
        with DuckDBConnectionManager._LOCK:
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
                DuckDBConnectionManager._ENV = None
        for line in output.getvalue().splitlines(keepends=True) if on_line else ():
            on_line(line)
        return (0 if result.success else 2 if result.exception else 1), output.getvalue()

    def dbt_here(project: Project, command: list[str], **options) -> str:
        if project.adapter_type not in ("duckdb", "postgres"):
            return dbt(project, command, **options)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(runner, "_run_child", in_this_process)
            return dbt(project, command, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "dbt", dbt_here)
        yield


@contextlib.contextmanager
def jinja_compiled_once() -> Iterator[None]:
    """Jinja parses and compiles each template text once in this process, not at every dbt
    parse: a full parse (each new project folder, profile or vars: some 4.5 CPU seconds)
    lexes, parses and compiles the same 1,500 templates of dbt's, the adapters' and this
    package's macros again, about a third of its time. What a template compiles to depends
    only on its text and on the environment's class and extensions (dbt's sandboxed, native
    and macro-parsing environments differ in those), which key the memo; the compiled code
    is immutable, and a parsed tree, which dbt only reads, is handed to each environment
    that asks (set_environment, as Jinja's parser does)."""
    from dbt_common.clients.jinja import MacroFuzzEnvironment
    from jinja2 import Environment

    parse, compile_ = MacroFuzzEnvironment._parse, Environment.compile
    trees, codes = {}, {}

    def kind(env) -> tuple:
        return type(env), tuple(sorted(env.extensions))

    def parse_once(self, source, name, filename):
        key = (kind(self), source, name, filename)
        if key not in trees:
            trees[key] = parse(self, source, name, filename)
        tree = trees[key]
        tree.set_environment(self)
        return tree

    def compile_once(self, source, name=None, filename=None, raw=False, defer_init=False):
        if not isinstance(source, str):
            return compile_(self, source, name, filename, raw, defer_init)
        key = (kind(self), source, name, filename, raw, defer_init)
        if key not in codes:
            codes[key] = compile_(self, source, name, filename, raw, defer_init)
        return codes[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MacroFuzzEnvironment, "_parse", parse_once)
        patch.setattr(Environment, "compile", compile_once)
        yield


def spark_in_this_process(tmp_path_factory) -> dict:
    """The environment of the worker's Spark session, which dbt shares with the test
    (dbt_in_process) and every Spark module of the worker shares (its warehouse folder is in
    the session's settings, so one folder keeps one JVM): a local session keeps its warehouse
    in the worker's base folder and its catalog in memory, no Derby metastore to open; {} when
    ML_MONITOR_SPARK_DIR points somewhere else (a cluster's shared storage, see README), whose
    metastore it then uses."""
    if os.environ.get("ML_MONITOR_SPARK_DIR"):
        return {}
    folder = tmp_path_factory.getbasetemp() / "spark"
    return {"ML_MONITOR_SPARK_DIR": str(folder), "ML_MONITOR_SPARK_CATALOG": "in-memory"}


@contextlib.contextmanager
def pipeline_dbt_in_process() -> Iterator[None]:
    """The pipeline's dbt commands (runner.dbt) run by dbt_in_process, in this process's
    Spark session, rather than in dbt processes: one warm JVM for the whole pipeline, whose
    catalog can then live in memory (ML_MONITOR_SPARK_CATALOG=in-memory, no Derby)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "dbt", lambda project, command, **_: dbt_in_process(project, command))
        yield


def db_path(project: Project) -> Path:
    return Path(project.project_dir) / "warehouse.duckdb"


def write_tables(project: Project, **tables: pd.DataFrame) -> None:
    """Replace main.<name> with each frame, column types as DuckDB infers them from pandas."""
    with duckdb.connect(str(db_path(project))) as con:
        for name, frame in tables.items():
            con.register("frame", frame)
            con.execute(f'create or replace table main."{name}" as select * from frame')
            con.unregister("frame")


def sql(project: Project, query: str, params=None) -> pd.DataFrame:
    with duckdb.connect(str(db_path(project)), read_only=True) as con:
        return con.execute(query, params or []).df()


def table(project: Project, name: str) -> pd.DataFrame:
    return sql(project, f'select * from {OUTPUT_SCHEMA}."{name}"')


def output_tables(project: Project) -> dict[str, pd.DataFrame]:
    """Every table of the output schema, rows sorted, for comparing two runs."""
    names = sql(
        project,
        "select table_name from information_schema.tables where table_schema = ? "
        "and table_type = 'BASE TABLE' order by 1",
        [OUTPUT_SCHEMA],
    )["table_name"]
    return {name: canonical(table(project, name)) for name in names}


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a fixed order, whatever order the warehouse returned them in."""
    if frame.empty:
        return frame.reset_index(drop=True)
    keys = frame.astype(str)
    return frame.iloc[keys.sort_values(list(keys.columns)).index].reset_index(drop=True)


def cli(project: Project, *args: str, timeout: float = 300, **popen) -> subprocess.CompletedProcess:
    """`ml-monitor <args>` against the project and its target, as a user runs it."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ml_monitor.cli",
            "--project-dir",
            str(project.project_dir),
            "--profiles-dir",
            str(project.profiles_dir),
            *_target_option(project),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **project.env},
        **popen,
    )


def _target_option(project: Project) -> list[str]:
    """The project's --target for the CLI, as a user names the target the project was built
    with: the target given is part of what dbt's saved parse must match (~4.5 CPU seconds)."""
    return ["--target", project.target] if project.target else []


def main_in_process(argv: list[str]) -> int:
    """The CLI's entry point run in this process as if started with `argv`; its exit code."""
    from ml_monitor import cli as ml_monitor_cli

    saved, sys.argv = sys.argv, argv
    try:
        ml_monitor_cli.main()
    except SystemExit as exc:
        return exc.code or 0
    finally:
        sys.argv = saved
    return 0


def cli_in_process(project: Project, *args: str) -> subprocess.CompletedProcess:
    """`ml-monitor <args>` in this process, as `cli` gives it (no interpreter to start: a
    second or more each); keep a real `cli` run for each behaviour that must hold in a process
    of its own."""
    argv = [
        "ml-monitor",
        "--project-dir",
        str(project.project_dir),
        "--profiles-dir",
        str(project.profiles_dir),
        *_target_option(project),
        *args,
    ]
    stdout, stderr = io.StringIO(), io.StringIO()
    with project._environment(), contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
        code = main_in_process(argv)
    return subprocess.CompletedProcess(argv, code, stdout.getvalue(), stderr.getvalue())


def serving_log(
    n_per_day: int = 30,
    days: int = 3,
    classes=("a", "b"),
    start: datetime = datetime(2024, 3, 1),
    cohort: str | None = "country",
) -> pd.DataFrame:
    """A small valid serving log: n_per_day predictions a day, classes in turn."""
    rows = []
    for day in range(days):
        for i in range(n_per_day):
            k = day * n_per_day + i
            rows.append(
                {
                    "prediction_id": f"p{k}",
                    "predicted_at": start + timedelta(days=day, minutes=10 * i),
                    "predicted_class": classes[k % len(classes)],
                    "confidence": 0.5 + 0.49 * ((k * 7) % 10) / 10,
                }
            )
    frame = pd.DataFrame(rows)
    if cohort:
        frame[cohort] = ["FR" if k % 3 else "DE" for k in range(len(frame))]
    return frame


def reference(
    classes=("a", "b"), per_class: int = 20, holdout: bool = True, cohort: str | None = "country"
) -> pd.DataFrame:
    rows = []
    for split in ("train", "validation") if holdout else ("train",):
        for cls in classes:
            for i in range(per_class):
                rows.append(
                    {
                        "split": split,
                        "label": cls,
                        "predicted_class": cls if i % 4 else classes[0],
                        "confidence": 0.55 + 0.4 * i / per_class,
                    }
                )
    frame = pd.DataFrame(rows)
    if cohort:
        frame[cohort] = ["FR" if i % 3 else "DE" for i in range(len(frame))]
    return frame


def double_type(adapter_type: str) -> str:
    """The SQL type of a double on the target, for casts in test SQL."""
    return "float8" if adapter_type == "postgres" else "double"


def non_finite_numbers(wh, table: str, adapter_type: str) -> dict[str, int]:
    """NaN and ±Infinity in each floating-point column of a table (pandas reads NULL and NaN
    alike, so this asks the warehouse; NULL is a documented "undefined", NaN never is), in one
    query: on Spark each query costs a plan."""
    infinity = f"cast('Infinity' as {double_type(adapter_type)})"
    doubles = [
        column
        for column, data_type in wh._column_types(table)
        if data_type.lower() in ("double", "double precision", "float", "float8", "real")
    ]
    if not doubles:
        return {}
    counts = ", ".join(
        f"count(case when not ({c} > -{infinity} and {c} < {infinity}) then 1 end) as n_{i}"
        for i, c in enumerate(map(wh.quote, doubles))
    )
    row = wh.query(f"select {counts} from {wh.relation(table)}").iloc[0]
    return {column: int(row[f"n_{i}"]) for i, column in enumerate(doubles) if row[f"n_{i}"]}
