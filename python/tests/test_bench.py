"""bench/run.py end to end at a tiny size: every contender runs, pandas' results equal
ml_monitor's, the incremental build equals the full refresh, and the table is written as
CSV. Timings are not asserted (they are benchmark figures, not tests). Evidently runs too
when its venv (bench/setup) exists, with a budget of a few seconds."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ml_monitor.config import package_root

pytestmark = pytest.mark.slow  # the benchmark's own dbt builds

BENCH = package_root() / "bench"
ROWS, DAYS = 12_000, 5


def _load_bench_module():
    spec = importlib.util.spec_from_file_location("ml_monitor_bench", BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    if not Path("/usr/bin/time").exists():
        subprocess.run([str(BENCH / "setup"), "--no-evidently"], check=True)
    folder = tmp_path_factory.mktemp("bench")
    command = [
        sys.executable,
        str(BENCH / "run.py"),
        "--rows",
        str(ROWS),
        "--days",
        str(DAYS),
        "--workdir",
        str(folder / "data"),
        "--results",
        str(folder / "results"),
        "--evidently-budget",
        "3",
        # the models alone: their data tests, which the demo's build runs, are no benchmark figure
        "--models-only",
    ]
    evidently = (BENCH / ".venv-evidently" / "bin" / "python").exists()
    if not evidently:
        command.append("--skip-evidently")
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900)
    return folder, completed, evidently


def test_bench_runs_end_to_end_and_the_comparison_passes(bench_run):
    folder, completed, evidently = bench_run
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "pandas == ml_monitor: PASS" in completed.stdout
    assert "incremental == full refresh: PASS" in completed.stdout
    summary = json.loads((folder / "results" / "latest.json").read_text())
    assert summary["pandas_comparison"]["ok"] and summary["incremental_check"]["ok"]
    assert summary["rows"] == ROWS
    with open(folder / "results" / "latest.csv") as fh:
        rows = {row["contender"]: row for row in csv.DictReader(fh)}
    expected = {"dbt build, full refresh", "dbt build, one-day incremental", "single-scan lower bound", "pandas"}
    assert expected <= set(rows)
    assert ("Evidently" in rows) == evidently
    for row in rows.values():
        assert float(row["wall_s"]) > 0 and float(row["peak_rss_mb"]) > 0
    full = summary["measured"]["dbt_full_refresh"]
    assert full["models_execute_s"] > 0 and full["max_rss_mb"] > 0
    # what each model costs per run, in both builds
    costs = {c["model"]: c for c in summary["model_costs"]}
    assert costs["ml_monitor_prediction_ids"]["full_s"] > 0 and costs["ml_monitor_prediction_ids"]["incremental_s"] > 0
    assert "Warehouse time per model" in completed.stdout


@pytest.mark.slow
def test_history_lengths_are_measured_side_by_side(tmp_path):
    command = [
        sys.executable,
        str(BENCH / "run.py"),
        "--history-days",
        "4,6",
        "--per-day",
        "300",
        "--workdir",
        str(tmp_path / "data"),
        "--results",
        str(tmp_path / "results"),
        "--skip-evidently",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    summary = json.loads(next((tmp_path / "results").glob("run-*/summary.json")).read_text())
    assert [h["history_days"] for h in summary["histories"]] == [4, 6]
    assert [h["rows"] for h in summary["histories"]] == [1200, 1800]
    for history in summary["histories"]:
        assert history["incremental_warehouse_s"] > 0 and history["full_warehouse_s"] > 0


def test_the_comparison_catches_a_wrong_number(bench_run):
    """Change one of pandas' values by one part in a million: the check must fail."""
    folder, completed, _ = bench_run
    assert completed.returncode == 0
    bench = _load_bench_module()
    run_dir = next((folder / "results").glob("run-*"))
    db = folder / "data" / "bench.duckdb"
    assert bench._compare_pandas(db, run_dir)["ok"]
    path = run_dir / "pandas_rolling.parquet"
    rolling = pd.read_parquet(path)
    rolling.loc[rolling.index[len(rolling) // 2], "rolling_variance"] *= 1 + 1e-6
    rolling.to_parquet(path, index=False)
    result = bench._compare_pandas(db, run_dir)
    assert not result["ok"]
    assert any(problem.startswith("rolling.rolling_variance: 1 of") for problem in result["problems"])


def test_parquet_of_a_lazy_wide_log_equals_the_duckdb_tables(tmp_path):
    """The benchmark's data path: a lazy log with extra features written as Parquet reads
    back into DuckDB exactly as write_duckdb writes the eager log."""
    import duckdb

    from ml_monitor import demo

    options = dict(predictions_per_day=50, days=4, seed=3, extra_numeric_features=5, extra_categorical_features=2)
    eager, lazy = demo.generate(**options), demo.generate(**options, lazy=True)
    demo.write_duckdb(eager, tmp_path / "eager.duckdb")
    paths = demo.write_parquet(lazy, tmp_path / "parquet")
    assert sorted(p.name for p in paths["predictions"].glob("*.parquet")) == [
        "2026-01-01.parquet",
        "2026-01-02.parquet",
        "2026-01-03.parquet",
        "2026-01-04.parquet",
    ]
    with duckdb.connect(str(tmp_path / "eager.duckdb"), read_only=True) as con:
        sources = {
            "predictions": f"read_parquet('{paths['predictions']}/*.parquet')",
            "reference": f"read_parquet('{paths['reference']}')",
            "demo_events": f"read_parquet('{paths['demo_events']}')",
        }
        for table, source in sources.items():
            assert (
                con.execute(f"describe {table}").fetchall()
                == con.execute(f"describe select * from {source}").fetchall()
            )
            n = con.execute(f"select count(*) from {table}").fetchone()[0]
            differ = con.execute(
                f"select count(*) from (select * from {table} except all select * from {source})"
            ).fetchone()[0]
            assert differ == 0 and n == con.execute(f"select count(*) from {source}").fetchone()[0]
        types = dict(con.execute("select column_name, column_type from (describe predictions)").fetchall())
        assert [types[c] for c in ("x_1", "x_5", "c_1", "c_2")] == ["DOUBLE", "DOUBLE", "VARCHAR", "VARCHAR"]
        assert con.execute("select count(distinct c_2) from reference").fetchone()[0] == 5
    # the extra columns leave every other column as without them
    plain = demo.generate(predictions_per_day=50, days=4, seed=3)
    assert eager.predictions.drop_columns([f"x_{j}" for j in range(1, 6)] + ["c_1", "c_2"]).equals(plain.predictions)
