"""Faults: a step that fails or dies mid-write, an interrupt (SIGINT) during a Python step or
during dbt, running everything twice (dbt on a copy of the session's demo, where planted
events fill the incident tables), a locked DuckDB file, a missing profile or model file,
and where credentials may appear. Each ends in the old tables or the new complete ones, and
in one line on stderr with a non-zero exit, never a stack trace."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import yaml
from click.testing import CliRunner

from _steps_fixtures import TEXT_VARS, demo_data, staging_project
from _tiny_project import (
    OUTPUT_SCHEMA,
    build,
    canonical,
    cli_in_process,
    db_path,
    reference,
    serving_log,
    sql,
    tiny_project,
    write_tables,
)
from conftest import DEMO_PROJECT, make_project, package_project
from ml_monitor import explain, perturb, pipeline, projection, report
from ml_monitor.cli import cli as cli_group
from ml_monitor.config import package_root
from ml_monitor.errors import MonitorError
from ml_monitor.warehouse import TEMP_PREFIX, DuckDBWarehouse, Warehouse

FITTED = ["ml_monitor_thresholds", "ml_monitor_calibration"]


def _fitted(project) -> dict[str, pd.DataFrame]:
    return {name: canonical(sql(project, f"select * from {OUTPUT_SCHEMA}.{name}")) for name in FITTED}


def _leftovers(project) -> list[str]:
    """Temporary tables of a write or a dbt materialisation that did not finish."""
    names = sql(project, "select table_schema || '.' || table_name as name from information_schema.tables")["name"]
    return [n for n in names if TEMP_PREFIX in n or "__dbt_tmp" in n or "__dbt_backup" in n]


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, (result.returncode, result.stderr)
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and message.startswith("Error: ") and "Traceback" not in message, message
    return message


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """A tiny project with its staging views built, and thresholds fitted once (the "old" tables).
    No --target (cli_in_process would pass it): the tests also run the CLI with it on other
    profiles, whose own target must decide."""
    project = dataclasses.replace(tiny_project(tmp_path_factory.mktemp("faults")), target=None)
    write_tables(project, predictions=serving_log(), reference=reference())
    build(project, "stg_ml_monitor__predictions stg_ml_monitor__reference", command="run")
    pipeline.fit_thresholds(project)
    return project


def _new_holdout(project, shift: float) -> None:
    """Change the holdout's confidences, so that a new fit differs from the old one."""
    ref = reference()
    ref["confidence"] = (ref["confidence"] - shift).clip(0, 1)
    write_tables(project, reference=ref)


# --- a Python step that fails or dies mid-write --------------------------------------------------


@pytest.mark.slow
def test_failed_write_keeps_the_previous_tables_and_a_rerun_completes(staged, monkeypatch):
    old = _fitted(staged)
    _new_holdout(staged, 0.2)
    original, calls = DuckDBWarehouse._write_rows, []

    def fail_on_the_second_table(self, relation, frame, kinds):
        calls.append(relation)
        original(self, relation, frame, kinds)
        if len(calls) == 2:
            raise OSError("disk full")

    monkeypatch.setattr(DuckDBWarehouse, "_write_rows", fail_on_the_second_table)
    with pytest.raises(OSError, match="disk full"):
        pipeline.fit_thresholds(staged)
    monkeypatch.undo()
    after = _fitted(staged)
    for name in FITTED:  # both old: thresholds never meet the calibration of another fit
        pd.testing.assert_frame_equal(after[name], old[name])
    assert _leftovers(staged) == []
    pipeline.fit_thresholds(staged)
    new = _fitted(staged)
    assert not new["ml_monitor_thresholds"]["threshold"].equals(old["ml_monitor_thresholds"]["threshold"])
    assert new["ml_monitor_thresholds"]["fitted_at"].nunique() == 1
    assert (new["ml_monitor_calibration"]["fitted_at"] == new["ml_monitor_thresholds"]["fitted_at"][0]).all()


# Runs `ml-monitor <args>` with DuckDBWarehouse._write_rows patched: after writing the
# temporary table of the second table of the step, the process dies (os._exit) or stops and
# waits for a signal, touching a marker file first.
# A background job of a shell (nohup, some CI runners) starts with SIGINT ignored, and its
# children inherit that; these processes get Ctrl-C as from a terminal, so they restore the
# terminal's handler first.
CTRL_C_AS_IN_A_TERMINAL = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
PATCHED_CLI = (
    CTRL_C_AS_IN_A_TERMINAL
    + """
import os, sys, time
from pathlib import Path
from ml_monitor import cli
from ml_monitor.warehouse import DuckDBWarehouse
mode, marker = sys.argv[1], Path(sys.argv[2])
original, calls = DuckDBWarehouse._write_rows, []
def patched(self, relation, frame, kinds):
    calls.append(relation)
    original(self, relation, frame, kinds)
    if len(calls) == 2:
        marker.touch()
        if mode == "die":
            os._exit(3)
        time.sleep(120)
DuckDBWarehouse._write_rows = patched
sys.argv = ["ml-monitor", *sys.argv[3:]]
cli.main()
"""
)


def _patched_cli(project, mode: str, marker: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            PATCHED_CLI,
            mode,
            str(marker),
            "--project-dir",
            str(project.project_dir),
            "--profiles-dir",
            str(project.profiles_dir),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.mark.slow
def test_a_step_that_dies_mid_write_leaves_the_old_tables(staged, tmp_path):
    old = _fitted(staged)
    _new_holdout(staged, 0.3)
    process = _patched_cli(staged, "die", tmp_path / "marker", "fit-thresholds")
    process.communicate(timeout=120)
    assert process.returncode == 3 and (tmp_path / "marker").exists()
    after = _fitted(staged)
    for name in FITTED:
        pd.testing.assert_frame_equal(after[name], old[name])
    assert _leftovers(staged) == []
    result = cli_in_process(staged, "fit-thresholds")  # a re-run completes it
    assert result.returncode == 0, result.stderr
    assert not _fitted(staged)["ml_monitor_thresholds"]["threshold"].equals(old["ml_monitor_thresholds"]["threshold"])


def _wait_for(path: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the step never reached the write"
        time.sleep(0.1)


@pytest.mark.slow
def test_sigint_during_a_python_step_exits_130_and_keeps_the_old_tables(staged, tmp_path):
    old = _fitted(staged)
    _new_holdout(staged, 0.1)
    process = _patched_cli(staged, "wait", tmp_path / "marker", "run", "--steps", "fit-thresholds")
    _wait_for(tmp_path / "marker", process)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C does
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "Interrupted; tables already written are intact."
    assert "Traceback" not in stderr
    after = _fitted(staged)
    for name in FITTED:
        pd.testing.assert_frame_equal(after[name], old[name])
    assert _leftovers(staged) == []


@pytest.mark.slow
@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_atomic_replaces_keep_every_old_table_on_failure(tmp_path, target, monkeypatch):
    if target == "postgres" and not os.environ.get("ML_MONITOR_PG_PORT"):
        pytest.skip("no PostgreSQL server (run bin/test)")
    env = {"ML_MONITOR_PG_SCHEMA": f"atomic_{os.getpid()}"} if target == "postgres" else {}
    project = tiny_project(tmp_path, target=target, env=env)
    with Warehouse.connect(project, create=True) as wh:
        wh.replace_table("one", pd.DataFrame({"a": [1]}))
        wh.replace_table("two", pd.DataFrame({"b": ["old"]}))
        with pytest.raises(KeyboardInterrupt), wh.atomic():
            wh.replace_table("one", pd.DataFrame({"a": [2]}))
            wh.replace_table("two", pd.DataFrame({"b": ["new"], "c": [1.5]}))
            raise KeyboardInterrupt
        assert wh.query(f"select * from {wh.relation('one')}")["a"].tolist() == [1]
        assert wh.query(f"select * from {wh.relation('two')}").to_dict("list") == {"b": ["old"]}
        with wh.atomic():
            wh.replace_table("one", pd.DataFrame({"a": [3]}))
            wh.replace_table("two", pd.DataFrame({"b": ["new"]}))
        assert wh.query(f"select * from {wh.relation('one')}")["a"].tolist() == [3]
        leftovers = wh.query("select table_name from information_schema.tables where table_schema = ?", [wh.schema])
        assert sorted(leftovers["table_name"]) == ["one", "two"]
        if target == "postgres":
            wh._execute(f"drop schema {wh.quote(wh.schema)} cascade")


def test_a_duckdb_interrupt_inside_a_query_is_an_interrupt(tmp_path):
    """DuckDB reports Ctrl-C during a query as RuntimeError('Query interrupted'): the
    warehouse raises KeyboardInterrupt instead and the transaction rolls back."""
    wh = DuckDBWarehouse(duckdb.connect(str(tmp_path / "x.duckdb")), "main")
    wh.replace_table("kept", pd.DataFrame({"a": [1]}))
    original = wh._con

    class Interrupting:
        def __init__(self):
            self.calls = 0

        def execute(self, sql, params=None):
            if sql.startswith("create table"):
                raise RuntimeError("Query interrupted")
            return original.execute(sql, params)

        def __getattr__(self, name):
            return getattr(original, name)

    wh._con = Interrupting()
    with pytest.raises(KeyboardInterrupt):
        wh.replace_table("kept", pd.DataFrame({"a": [2]}))
    wh._con = original
    assert wh.query("select a from main.kept")["a"].tolist() == [1]
    wh.close()


# --- dbt: twice, and interrupted -------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_built(demo_run, tmp_path_factory):
    """The session's demo (60 days with every planted event, monitored by `dbt build`) in a
    project folder of its own laid out as tiny_project's, its package linked rather than in
    packages.yml: a rebuild, or an interrupted one, leaves the session's file alone."""
    folder = tmp_path_factory.mktemp("demo_built")
    ignored = shutil.ignore_patterns("logs", "packages.yml", "package-lock.yml")
    shutil.copytree(DEMO_PROJECT, folder, symlinks=True, dirs_exist_ok=True, ignore=ignored)
    shutil.copy(demo_run.db_path, folder / "warehouse.duckdb")
    return make_project(folder / "warehouse.duckdb", project_dir=folder, **demo_run.data.dbt_vars())


def _demo_cli_options(project) -> list[str]:
    """The target and vars the demo was built with (the demo's "now" is a var)."""
    return ["--target", project.target, "--vars", json.dumps(project.cli_vars)]


def _outputs(project) -> dict[str, pa.Table]:
    """Every table and view of the output schema, its rows sorted by DuckDB: the demo's
    largest table has a million rows, too many to sort as Python strings. The exact columns
    come first in the order, the floating-point ones (which may differ in their last bits) last."""
    with duckdb.connect(str(db_path(project)), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name, data_type in ('DOUBLE', 'FLOAT') as is_float "
            "from information_schema.columns where table_schema = ? order by is_float, ordinal_position",
            [OUTPUT_SCHEMA],
        ).df()
        order = {name: ", ".join(f'"{c}"' for c in group.column_name) for name, group in columns.groupby("table_name")}
        return {
            name: con.sql(f'select * from {OUTPUT_SCHEMA}."{name}" order by {order[name]}').to_arrow_table()
            for name in order
        }


# floats of the demo's rebuilt tables: a sum over its row groups, added in parallel in no fixed
# order, may differ in its last bits, and a z-score near 0 (a difference of two close means)
# turns them into a larger relative error
DEMO_RTOL, DEMO_ATOL = 1e-9, 1e-12


def _assert_same_outputs(
    got: dict[str, pa.Table], expected: dict[str, pa.Table], rtol: float = 1e-12, atol: float = 1e-15
) -> None:
    """Same tables, same rows, same values: exactly, except that a floating-point sum may
    differ in its last bits (the warehouse adds in parallel, in no fixed order)."""
    assert sorted(got) == sorted(expected)
    for name, table in expected.items():
        assert got[name].schema == table.schema and got[name].num_rows == table.num_rows, name
        for column, values in zip(table.column_names, table.columns):
            if pa.types.is_floating(values.type):  # nulls read as NaN, equal to NaN
                np.testing.assert_allclose(
                    got[name][column].to_numpy(), values.to_numpy(), rtol=rtol, atol=atol, err_msg=f"{name}.{column}"
                )
            else:
                assert got[name][column].equals(values), f"{name}.{column}"


@pytest.mark.slow
def test_dbt_build_twice_gives_identical_tables(demo_built):
    first = _outputs(demo_built)
    assert len(first) > 60
    # incremental base tables: the recent buckets recomputed, planted events among them
    result = cli_in_process(demo_built, *_demo_cli_options(demo_built), "build")
    assert result.returncode == 0, result.stderr
    _assert_same_outputs(_outputs(demo_built), first, DEMO_RTOL, DEMO_ATOL)


@pytest.mark.slow
def test_sigint_during_dbt_stops_it_and_leaves_no_half_written_table(demo_built):
    before = _outputs(demo_built)
    log = Path(demo_built.project_dir) / "logs" / "dbt.log"
    log.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CTRL_C_AS_IN_A_TERMINAL + "import runpy; runpy.run_module('ml_monitor.cli', run_name='__main__')",
            "--project-dir",
            str(demo_built.project_dir),
            "--profiles-dir",
            str(demo_built.profiles_dir),
            *_demo_cli_options(demo_built),
            "run",
            "--steps",
            "build",
            "--full-refresh",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, **demo_built.env},
    )
    deadline = time.monotonic() + 120
    while not (log.exists() and re.search(r"1 of \d+ START", log.read_text(errors="replace"))):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "dbt never started a model"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=90)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "Interrupted; tables already written are intact."
    # dbt has exited (it held the file): a writer can open it
    duckdb.connect(str(db_path(demo_built))).close()
    assert _leftovers(demo_built) == []
    after = _outputs(demo_built)
    assert set(after) <= set(before)
    _assert_same_outputs(after, {name: before[name] for name in after}, DEMO_RTOL, DEMO_ATOL)


# --- the Python steps twice, with the same seed ---------------------------------------------


@pytest.mark.slow
def test_every_python_step_twice_gives_identical_tables():
    project = staging_project(demo_data(), **TEXT_VARS)
    model = demo_data().model
    tables = [
        "ml_monitor_thresholds",
        "ml_monitor_calibration",
        "ml_monitor_explanations",
        "ml_monitor_class_explanations",
        "ml_monitor_perturbation_checks",
        "ml_monitor_embedding_projection",
        "ml_monitor_embedding_drift",
    ]
    runs = []
    for _ in range(2):
        with Warehouse.connect(project) as wh:
            from ml_monitor import thresholds

            thresholds.run(wh, project)
            explain.run(wh, project, model, per_class=2, queue_limit=0, num_samples=100, seed=3)
            perturb.run(wh, project, model, per_class=10, perturbations=["typos", "word_dropout"], seed=3)
            projection.run(wh, project, model, sample_size=40, window_sample_size=14, max_windows=1, seed=3)
            runs.append(
                {
                    t: pa.Table.from_pandas(
                        canonical(
                            wh.query(f"select * from {wh.relation(t)}").drop(columns="fitted_at", errors="ignore")
                        ),
                        preserve_index=False,
                    )
                    for t in tables
                }
            )
    with Warehouse.connect(project) as wh:
        html = [report.build_report(wh) for _ in range(2)]
    _assert_same_outputs(runs[1], runs[0])
    assert all(len(frame) for frame in runs[0].values())
    stamp = re.compile(r"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC")
    assert stamp.sub("", html[0]) == stamp.sub("", html[1])


# --- a locked file, a missing profile, a missing or unreadable model file -------------------------


@pytest.fixture
def locked(staged):
    """Another process holds the DuckDB file open for writing, until the test ends (on a
    loaded machine the test's four commands can take longer than a couple of minutes)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(3600)",
            str(db_path(staged)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield staged
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_locked_duckdb_file_is_one_line_and_exit_1(locked, tmp_path):
    held = re.compile(
        r"^Error: the DuckDB file .*warehouse\.duckdb is in use by another process \(.*PID \d+\)\); close it"
        r" and retry$"
    )
    for args in (
        ["fit-thresholds"],
        ["build", "--select", "stg_ml_monitor__predictions"],  # a step; dbt's own error
        ["run", "--steps", "build"],
    ):
        message = _one_line_error(cli_in_process(locked, *args))
        assert held.match(message), (args, message)
    message = _one_line_error(
        cli_in_process(
            locked,
            "--db",
            str(db_path(locked)),
            "demo",
            "--predictions-per-day",
            "20",
            "--days",
            "2",
            "--output-dir",
            str(tmp_path),
            "--steps",
            "report",
        )
    )
    assert "is in use by another process" in message
    assert db_path(locked).exists()  # the demo did not pull the file away from its holder


@pytest.mark.slow
def test_missing_profile_target_or_credential_variable(staged, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()

    def run(profiles_dir, *args, env=None):
        return cli_in_process(dataclasses.replace(staged, profiles_dir=profiles_dir, env=env or {}), *args)

    # dbt's own messages, on one line
    assert "Could not find profile named 'ml_monitor'" in _one_line_error(run(empty, "fit-thresholds"))
    other = tmp_path / "other"
    other.mkdir()
    (other / "profiles.yml").write_text(yaml.safe_dump({"someone_else": {"target": "dev", "outputs": {}}}))
    assert "Could not find profile named 'ml_monitor'" in _one_line_error(run(other, "build"))
    assert "does not have a target named 'nowhere'" in _one_line_error(
        run(staged.profiles_dir, "--target", "nowhere", "report")
    )
    needs_env = tmp_path / "needs_env"
    needs_env.mkdir()
    (needs_env / "profiles.yml").write_text(
        yaml.safe_dump(
            {
                "ml_monitor": {
                    "target": "pg",
                    "outputs": {
                        "pg": {
                            "type": "postgres",
                            "host": "localhost",
                            "port": 1,
                            "user": "{{ env_var('ML_MONITOR_TEST_USER') }}",
                            "password": "{{ env_var('ML_MONITOR_TEST_PASSWORD') }}",
                            "dbname": "x",
                            "schema": "s",
                        }
                    },
                }
            }
        )
    )
    message = _one_line_error(run(needs_env, "fit-thresholds", env={"ML_MONITOR_TEST_PASSWORD": "hunter2-secret"}))
    assert "Env var required but not provided: 'ML_MONITOR_TEST_USER'" in message and "hunter2" not in message


@pytest.mark.slow
def test_bad_vars_are_one_line_and_exit_1(staged):
    assert _one_line_error(cli_in_process(staged, "--vars", "{a: [1", "report")) == (
        "Error: --vars is not valid YAML: expected ',' or ']', but got '<stream end>' at line 1, column 7"
    )
    assert _one_line_error(cli_in_process(staged, "--vars", "[1, 2]", "report")) == (
        "Error: --vars must be a YAML mapping, e.g. '{ml_monitor_time_grain: hour}'"
    )
    assert _one_line_error(cli_in_process(staged, "fit-thresholds", "--objective", "min_precision")) == (
        "Error: --objective min_precision needs --min-precision (see --help)"
    )


@pytest.mark.slow
def test_model_files_missing_unreadable_or_not_a_model(staged, tmp_path):
    corrupt = tmp_path / "corrupt.joblib"
    corrupt.write_bytes(b"\x80\x04not a pickle at all")
    not_a_model = tmp_path / "list.joblib"
    import joblib

    joblib.dump([1, 2, 3], not_a_model)
    cases = [
        (tmp_path / "missing.joblib", "model file not found"),
        (tmp_path, "model file not found"),
        (corrupt, "cannot read the model file"),
        (not_a_model, "has no predict_proba and is not a function"),
    ]
    if os.geteuid() != 0:  # root reads any file
        unreadable = tmp_path / "unreadable.joblib"
        joblib.dump([1], unreadable)
        unreadable.chmod(0)
        cases.append((unreadable, "cannot read the model file"))
    for path, expected in cases:
        assert expected in _one_line_error(cli_in_process(staged, "perturb", "--model", str(path))), path
    readme = package_root() / "README.md"
    assert _one_line_error(cli_in_process(staged, "explain", "--model", str(readme))) == (
        f"Error: {readme} is not a model file: expected a joblib (pickle) file of an estimator with predict_proba,"
        " or module:callable"
    )


def test_help_says_model_files_are_code():
    # in this process: test_pipeline runs the entry point's --help as a process of its own
    for args in ([], ["run"], ["explain"], ["perturb"], ["project"]):
        result = CliRunner().invoke(cli_group, [*args, "--help"], prog_name="ml-monitor")
        text = " ".join(result.output.split())
        assert result.exit_code == 0 and "give only files you trust" in text, args
        assert "runs when loaded" in text or "runs code" in text, args


# --- credentials ---------------------------------------------------------------------------


def test_profiles_take_credentials_only_from_environment_variables():
    profiles = yaml.safe_load((package_root() / "profiles" / "profiles.yml").read_text())
    for target, output in profiles["ml_monitor"]["outputs"].items():
        for key in ("user", "password", "pass", "token", "keyfile", "private_key"):
            if key in output:
                assert str(output[key]).strip().startswith("{{ env_var("), (target, key)


def test_connection_errors_do_not_show_the_password(monkeypatch):
    pytest.importorskip("psycopg2")
    monkeypatch.setenv("ML_MONITOR_TARGET", "postgres")
    monkeypatch.setenv("ML_MONITOR_PG_PORT", "1")
    monkeypatch.setenv("ML_MONITOR_PG_PASSWORD", "hunter2-secret")
    with pytest.raises(MonitorError, match="cannot connect to PostgreSQL") as raised:
        Warehouse.connect(package_project())
    assert "hunter2" not in str(raised.value)
