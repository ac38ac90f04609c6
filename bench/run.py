#!/usr/bin/env python3
"""Benchmark ml_monitor against the other ways of computing the same monitors.

One command, on one generated log, in one run:

    bench/setup                                   # GNU time, Evidently's own venv
    .venv/bin/python bench/run.py --rows 10000000 --days 90
    .venv/bin/python bench/run.py --history-days 30,90,360 --per-day 111111   # daily run vs history

Contenders, each in its own process under `/usr/bin/time -v` (wall time and peak resident
memory as the kernel reports it):

  dbt full refresh     `dbt build --full-refresh --select package:ml_monitor` of the demo
                       project on DuckDB (models and their data tests), through
                       ml_monitor.runner; warehouse time = sum of the models' execute times
                       in dbt's run_results.json (dbt's start-up, parsing and tests apart)
  dbt incremental      the same build after one new day is appended to the log
  single scan          one hand-written DuckDB query that reads the same columns into
                       per-day, per-cohort sufficient statistics: the floor for any
                       warehouse-side method
  pandas               an idiomatic pandas implementation of the core metrics, loading
                       included; its results must equal ml_monitor's (else exit 1)
  Evidently            ValueDrift (PSI, Jensen-Shannon, KS) per day on the prediction and
                       every feature, in bench/.venv-evidently; past --evidently-budget
                       seconds it stops and the full time is extrapolated from the days done

The log is 2 cohort columns, 10 numeric and 3 categorical features (the demo generator with
7 extra numeric and 1 extra categorical column). The table is printed and written as CSV
under bench/results/. Internal subcommands (`_generate`, `_dbt`, ...) are what the timed
processes run; this file imports only the standard library at the top so that Evidently's
venv can run its subcommand too.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DEMO_PROJECT = ROOT / "demo"
PROFILES = ROOT / "profiles"
EVIDENTLY_PYTHON = BENCH / ".venv-evidently" / "bin" / "python"
GNU_TIME = "/usr/bin/time"

COHORTS = ["channel", "country"]
EXTRA_NUMERIC, EXTRA_CATEGORICAL = 7, 1
NUMERIC = ["previous_tickets", "account_age_days", "order_value"] + [f"x_{j}" for j in range(1, EXTRA_NUMERIC + 1)]
CATEGORICAL = ["customer_tier", "product"] + [f"c_{j}" for j in range(1, EXTRA_CATEGORICAL + 1)]
FEATURES = NUMERIC + CATEGORICAL
MONITORED = COHORTS + FEATURES  # columns whose null fractions are monitored
# the generated log is judged as of its own end (its days are in the past), and the package's
# unit tests, written for the demo's columns, are left to the test suite
DBT_VARS = {
    "ml_monitor_cohorts": COHORTS,
    "ml_monitor_features": FEATURES,
    "ml_monitor_text_column": None,
    "ml_monitor_now": "log_end",
    "ml_monitor_unit_tests": False,
}
SELECT, EXCLUDE = "package:ml_monitor", "package:ml_monitor_demo"
# the package vars the single scan and pandas assume, as dbt resolves them (dbt_project.yml is
# their home): written once per run into the run's folder, which the contenders read
ASSUMED_FILE = "assumed_vars.json"
RTOL, ATOL = 1e-9, 1e-12
# incremental against full refresh: DuckDB's parallel sums add rows in a varying order (last
# bits differ), and a z-score near 0 is a difference of two close means, which turns those
# last bits into a relative error of ~1e-8; an absolute 1e-9 on O(1) values covers that
INCREMENTAL_ATOL = 1e-9


# --- the parent: run every contender, compare, report ------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="predictions in the log")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workdir", type=Path, default=BENCH / "data", help="where the generated Parquet files and DuckDB file go"
    )
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    parser.add_argument(
        "--memory-limit",
        default=os.environ.get("ML_MONITOR_DUCKDB_MEMORY_LIMIT", "2GB"),
        help="DuckDB memory_limit for dbt and the single scan",
    )
    parser.add_argument(
        "--evidently-budget",
        type=float,
        default=300.0,
        help="seconds Evidently may run before its time is extrapolated",
    )
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument(
        "--models-only",
        action="store_true",
        help="dbt run instead of dbt build: the models without their data tests (the warehouse "
        "time counts the models either way; --history-days always runs the models only)",
    )
    parser.add_argument(
        "--approximate-percentiles",
        action="store_true",
        help="dbt with ml_monitor_percentiles: approximate (bounded-memory sketches; "
        "exact ones hold every confidence of a group in memory)",
    )
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="keep Parquet files already generated with the same rows, days and seed",
    )
    parser.add_argument(
        "--history-days",
        type=lambda v: [int(d) for d in v.split(",")],
        help="comma-separated history lengths, e.g. 30,90,360: at --per-day rows a day, the "
        "one-day incremental run after each history against that history's full build "
        "(only this; the other contenders are not run)",
    )
    parser.add_argument("--per-day", type=int, default=111_111, help="rows per day with --history-days")
    args = parser.parse_args(argv)
    if args.days < 4:
        parser.error("--days must be at least 4 (the incremental run needs earlier days)")

    if not Path(GNU_TIME).exists():
        print("bench: /usr/bin/time is missing; run bench/setup", file=sys.stderr)
        return 2
    evidently = not args.skip_evidently
    if evidently and not EVIDENTLY_PYTHON.exists():
        print("bench: Evidently's venv is missing (run bench/setup); skipping Evidently", file=sys.stderr)
        evidently = False

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    results_dir = args.results.resolve()
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_dir = results_dir / f"run-{args.rows}-{args.days}-{stamp}"
    run_dir.mkdir()
    parquet = workdir / "parquet"
    db = workdir / "bench.duckdb"
    per_day = max(1, args.rows // args.days)
    rows = per_day * args.days
    env = {
        "ML_MONITOR_DUCKDB_PATH": str(db),
        "ML_MONITOR_DUCKDB_MEMORY_LIMIT": args.memory_limit,
        "DBT_TARGET_PATH": str(workdir / "dbt_target"),
        "DBT_LOG_PATH": str(workdir / "dbt_logs"),
    }
    common = ["--db", str(db), "--parquet", str(parquet), "--memory-limit", args.memory_limit]
    measured: dict[str, dict] = {}

    def step(
        name: str,
        sub: list[str],
        python: str = sys.executable,
        quiet: bool = False,
        may_fail: bool = False,
        step_env: dict | None = None,
    ) -> dict:
        out = run_dir / f"{name}.json"
        timing = _timed(
            [python, str(Path(__file__).resolve()), *sub, "--out", str(out)],
            run_dir / f"{name}.time",
            run_dir / f"{name}.log",
            {**os.environ, **env, **(step_env or {})},
        )
        detail = json.loads(out.read_text()) if out.exists() else {}
        record = {**timing, **detail}
        if not quiet:
            print(f"  {name:<22} {record['wall_s']:8.1f} s  {record['max_rss_mb']:8.0f} MB", flush=True)
        if timing["exit_code"] != 0 and may_fail:
            # a contender that cannot finish (e.g. killed out of memory) is a result too
            print(f"  {name} FAILED (exit {timing['exit_code']}): see {run_dir / (name + '.log')}", flush=True)
            return {**record, "failed": True}
        if timing["exit_code"] != 0:
            tail = (run_dir / f"{name}.log").read_text()[-3000:]
            raise SystemExit(f"bench: step {name} failed (exit {timing['exit_code']}):\n{tail}")
        return record

    if args.history_days:
        return _history(args, step, workdir, run_dir)

    print(
        f"ml_monitor benchmark: {rows:,} predictions over {args.days} days "
        f"({per_day:,}/day), {len(COHORTS)} cohort columns, {len(NUMERIC)} numeric and "
        f"{len(CATEGORICAL)} categorical features; results in {run_dir}",
        flush=True,
    )
    manifest = parquet / "manifest.json"
    wanted = {
        "rows": rows,
        "days": args.days,
        "seed": args.seed,
        "extra_numeric": EXTRA_NUMERIC,
        "extra_categorical": EXTRA_CATEGORICAL,
    }
    if args.reuse_data and manifest.exists() and json.loads(manifest.read_text()) == wanted:
        print("  generate               reusing", parquet)
        measured["generate"] = {"wall_s": float("nan"), "max_rss_mb": float("nan")}
    else:
        measured["generate"] = step(
            "generate",
            ["_generate", "--per-day", str(per_day), "--days", str(args.days), "--seed", str(args.seed), *common],
        )
        manifest.write_text(json.dumps(wanted))
    measured["load"] = step("load", ["_load", "--except-last-day", *common])
    percentiles = ["--percentiles", "approximate" if args.approximate_percentiles else "exact"]
    dbt = ["_dbt", *percentiles, *(["--models-only"] if args.models_only else []), *common]
    _write_assumed_vars(run_dir / ASSUMED_FILE, env, percentiles[1])
    measured["dbt_first_build"] = step("dbt_first_build", [*dbt, "--mode", "full"])
    step("append_day", ["_load", "--last-day", *common], quiet=True)
    measured["dbt_incremental"] = step("dbt_incremental", [*dbt, "--mode", "incremental"])
    _snapshot_outputs(db, "bench_incremental")
    measured["dbt_full_refresh"] = step("dbt_full_refresh", [*dbt, "--mode", "full"])
    # sketches merge partial states in thread order: approximate percentiles are not compared
    skip = {"p10_confidence", "p50_confidence", "p90_confidence"} if args.approximate_percentiles else set()
    incremental_check = _compare_schemas(db, "bench_incremental", _output_schema(), skip)
    print(f"  incremental == full refresh: {incremental_check['summary']}", flush=True)
    measured["single_scan"] = step("single_scan", ["_single_scan", *common, "--results-dir", str(run_dir)])

    comparison = {"ok": None, "summary": "skipped"}
    if not args.skip_pandas:
        measured["pandas"] = step("pandas", ["_pandas", *common, "--results-dir", str(run_dir)], may_fail=True)
        comparison = (
            {"ok": None, "summary": "pandas did not finish"}
            if measured["pandas"].get("failed")
            else _compare_pandas(db, run_dir)
        )
        print(f"  pandas == ml_monitor: {comparison['summary']}", flush=True)
    if evidently:
        measured["evidently"] = step(
            "evidently", ["_evidently", *common, "--budget", str(args.evidently_budget)], python=str(EVIDENTLY_PYTHON)
        )

    table = _table(measured, rows, args.days)
    summary = {
        "model_costs": _model_costs(measured["dbt_full_refresh"], measured["dbt_incremental"]),
        "rows": rows,
        "days": args.days,
        "percentiles": percentiles[1],
        "per_day": per_day,
        "seed": args.seed,
        "cohorts": COHORTS,
        "numeric_features": NUMERIC,
        "categorical_features": CATEGORICAL,
        "memory_limit": args.memory_limit,
        "machine": _machine(),
        "measured": measured,
        "table": table,
        "targets": _targets(measured, rows),
        "pandas_comparison": comparison,
        "incremental_check": incremental_check,
    }
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    csv_path = results_dir / f"bench-{args.rows}-{args.days}-{stamp}.csv"
    _write_csv(table, csv_path)
    shutil.copy(csv_path, results_dir / "latest.csv")
    (results_dir / "latest.json").write_text(json.dumps(summary, indent=2, default=str))
    _print_table(table, summary)
    print(f"\nCSV: {csv_path}")
    failed = [
        name
        for name, check in (("pandas comparison", comparison), ("incremental check", incremental_check))
        if check["ok"] is False
    ]
    if failed:
        print("bench: FAILED: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


def _history(args, step, workdir: Path, run_dir: Path) -> int:
    """The one-day incremental run after each history length, at a fixed number of rows a
    day, side by side with that history's full build: what a daily run costs as the log grows."""
    percentiles = ["--percentiles", "approximate" if args.approximate_percentiles else "exact"]
    # only the models' warehouse time is reported: their data tests are left out (`dbt run`)
    models_only = ["--models-only"]
    print(
        f"ml_monitor history benchmark: {args.per_day:,} predictions a day, histories of "
        f"{', '.join(map(str, args.history_days))} days; results in {run_dir}",
        flush=True,
    )
    # one log, of the longest history and one day more, whose first days are each shorter
    # history (the generator draws day by day); one DuckDB file, loaded afresh for each
    # history, and one dbt target: the same profile and vars, so dbt parses the project once
    parquet, db = workdir / "history" / "parquet", workdir / "history.duckdb"
    common = ["--db", str(db), "--parquet", str(parquet), "--memory-limit", args.memory_limit]
    step_env = {
        "ML_MONITOR_DUCKDB_PATH": str(db),
        "DBT_TARGET_PATH": str(workdir / "history_dbt_target"),
        "DBT_LOG_PATH": str(workdir / "history_dbt_logs"),
    }
    manifest = parquet / "manifest.json"
    wanted = {"per_day": args.per_day, "days": max(args.history_days) + 1, "seed": args.seed}
    if not (args.reuse_data and manifest.exists() and json.loads(manifest.read_text()) == wanted):
        step(
            "generate",
            [
                "_generate",
                "--per-day",
                str(args.per_day),
                "--days",
                str(wanted["days"]),
                "--seed",
                str(args.seed),
                *common,
            ],
            step_env=step_env,
        )
        manifest.write_text(json.dumps(wanted))
    lines = []
    for days in args.history_days:
        step(f"load_{days}", ["_load", "--except-last-day", "--days", str(days + 1), *common], step_env=step_env)
        full = step(
            f"dbt_full_{days}", ["_dbt", "--mode", "full", *models_only, *percentiles, *common], step_env=step_env
        )
        step(
            f"append_day_{days}",
            ["_load", "--last-day", "--days", str(days + 1), *common],
            quiet=True,
            step_env=step_env,
        )
        inc = step(
            f"dbt_incremental_{days}",
            ["_dbt", "--mode", "incremental", *models_only, *percentiles, *common],
            step_env=step_env,
        )
        lines.append(
            {
                "history_days": days,
                "rows": args.per_day * days,
                "full_warehouse_s": full["models_execute_s"],
                "incremental_warehouse_s": inc["models_execute_s"],
                "incremental_share": inc["models_execute_s"] / full["models_execute_s"],
                "model_costs": _model_costs(full, inc),
            }
        )
    shortest = lines[0]["incremental_warehouse_s"]
    print(f"\n{'history days':>12} {'rows':>12} {'full s':>8} {'incremental s':>14} {'share':>6} {'x shortest':>10}")
    for line in lines:
        line["vs_shortest"] = line["incremental_warehouse_s"] / shortest
        print(
            f"{line['history_days']:>12} {line['rows']:>12,} {line['full_warehouse_s']:>8.2f} "
            f"{line['incremental_warehouse_s']:>14.2f} {line['incremental_share']:>6.1%} {line['vs_shortest']:>10.2f}"
        )
    print("targets: share <= 10 % at 90 days; the longest history within 1.3x the shortest")
    shortest_costs = {c["model"]: c["incremental_s"] for c in lines[0]["model_costs"]}
    for cost in lines[-1]["model_costs"]:
        cost["incremental_shortest_s"] = shortest_costs.get(cost["model"])
    _print_model_costs(lines[-1]["model_costs"], shortest_days=lines[0]["history_days"])
    summary = {
        "per_day": args.per_day,
        "memory_limit": args.memory_limit,
        "percentiles": percentiles[1],
        "machine": _machine(),
        "histories": lines,
    }
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return 0


def _timed(command: list[str], time_file: Path, log_file: Path, env: dict) -> dict:
    """Run a command under GNU time -v; its wall time, CPU time and peak RSS."""
    start = time.perf_counter()
    with open(log_file, "w") as log:
        completed = subprocess.run(
            [GNU_TIME, "-v", "-o", str(time_file), *command], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )
    elapsed = time.perf_counter() - start
    fields = {}
    for line in time_file.read_text().splitlines():
        key, _, value = line.strip().rpartition(": ")
        fields[key] = value
    return {
        "exit_code": completed.returncode,
        "wall_s": elapsed,
        "user_s": float(fields.get("User time (seconds)", "nan")),
        "system_s": float(fields.get("System time (seconds)", "nan")),
        "max_rss_mb": int(fields.get("Maximum resident set size (kbytes)", "0")) / 1024,
    }


def _machine() -> dict:
    memory_gb = None
    try:
        with open("/proc/meminfo") as fh:
            memory_gb = round(int(fh.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "cpu": cpu,
        "python": platform.python_version(),
        "load_1min_at_end": load,
    }


def _table(measured: dict, rows: int, days: int) -> list[dict]:
    """One row per contender: wall, warehouse time (dbt models), peak memory, ratios."""
    full = measured["dbt_full_refresh"]
    lines = []

    def add(name, record, warehouse_s=None, note=""):
        lines.append(
            {
                "contender": name,
                "wall_s": round(record["wall_s"], 2),
                "warehouse_s": None if warehouse_s is None else round(warehouse_s, 2),
                "cpu_s": round(record.get("user_s", float("nan")) + record.get("system_s", float("nan")), 2),
                "peak_rss_mb": round(record["max_rss_mb"]),
                "wall_vs_dbt_full": round(record["wall_s"] / full["wall_s"], 2),
                "rss_vs_dbt_full": round(record["max_rss_mb"] / full["max_rss_mb"], 2),
                "note": note,
            }
        )

    gen = measured.get("generate", {})
    if gen and not math.isnan(gen.get("wall_s", float("nan"))):
        add(
            "generate (Parquet)",
            gen,
            note=f"{rows / gen['generated_s'] / 1e6:.2f} M rows/s after model setup" if gen.get("generated_s") else "",
        )
    add("load into DuckDB", measured["load"], note=f"{measured['load'].get('rows', 0):,} rows, all days but the last")
    add(
        "dbt build, full refresh",
        full,
        full["models_execute_s"],
        f"models {full['models_execute_s']:.1f} s + tests {full['tests_execute_s']:.1f} s; "
        f"dbt start-up/parse/compile {full['overhead_s']:.1f} s",
    )
    inc = measured["dbt_incremental"]
    add(
        "dbt build, one-day incremental",
        inc,
        inc["models_execute_s"],
        f"models {inc['models_execute_s']:.1f} s + tests {inc['tests_execute_s']:.1f} s; "
        f"{inc['models_execute_s'] / full['models_execute_s']:.0%} of the full build's warehouse time",
    )
    scan = measured["single_scan"]
    add(
        "single-scan lower bound",
        scan,
        scan["query_s"],
        f"one query, {scan['result_rows']:,} result rows; dbt full warehouse time = "
        f"{full['models_execute_s'] / scan['query_s']:.1f}x this",
    )
    if measured.get("pandas", {}).get("failed"):
        p = measured["pandas"]
        add("pandas", p, None, f"FAILED after {p['wall_s']:.0f} s (exit {p['exit_code']}) at {p['max_rss_mb']:,.0f} MB")
    elif "pandas" in measured:
        p = measured["pandas"]
        add(
            "pandas",
            p,
            None,
            f"load {p['load_s']:.1f} s + compute {p['compute_s']:.1f} s; "
            f"{p['wall_s'] / full['wall_s']:.1f}x dbt's wall time, {p['max_rss_mb'] / full['max_rss_mb']:.1f}x its memory",
        )
    if "evidently" in measured:
        e = measured["evidently"]
        record = dict(e)
        if e["extrapolated"]:
            record["wall_s"] = e["estimated_total_s"]
            note = (
                f"EXTRAPOLATED: {e['days_done']} of {days} days in {e['wall_s']:.0f} s ({e['per_day_s']:.1f} s/day); "
            )
        else:
            note = f"all {days} days; "
        note += f"{record['wall_s'] / full['wall_s']:.0f}x dbt's full build; evidently {e.get('version', '?')}"
        add("Evidently", record, None, note)
    return lines


def _targets(measured: dict, rows: int) -> dict:
    full, inc, scan = measured["dbt_full_refresh"], measured["dbt_incremental"], measured["single_scan"]
    targets = {
        "warehouse_vs_single_scan": {"value": full["models_execute_s"] / scan["query_s"], "target": "<= 3.5"},
        # dbt's elapsed time (start-up excluded) and the CPU time of the whole process are
        # two other views of the same
        "dbt_elapsed_vs_single_scan": {"value": full["dbt_elapsed_s"] / scan["query_s"], "target": "(same)"},
        "dbt_cpu_vs_single_scan": {
            "value": (full["user_s"] + full["system_s"]) / (scan["user_s"] + scan["system_s"]),
            "target": "(same)",
        },
        "incremental_share_of_full": {"value": inc["models_execute_s"] / full["models_execute_s"], "target": "<= 0.10"},
        "dbt_peak_rss_mb": {"value": max(full["max_rss_mb"], inc["max_rss_mb"]), "target": "< 2560 at 50M"},
    }
    if "pandas" in measured and not measured["pandas"].get("failed"):
        targets["pandas_wall_ratio"] = {"value": measured["pandas"]["wall_s"] / full["wall_s"], "target": ">= 3 at 50M"}
        targets["pandas_memory_ratio"] = {
            "value": measured["pandas"]["max_rss_mb"] / full["max_rss_mb"],
            "target": ">= 5 at 50M",
        }
    if "evidently" in measured:
        e = measured["evidently"]
        total = e["estimated_total_s"] if e["extrapolated"] else e["wall_s"]
        targets["evidently_wall_ratio"] = {
            "value": total / full["wall_s"],
            "target": ">= 50",
            "extrapolated": e["extrapolated"],
        }
    return targets


def _write_csv(table: list[dict], path: Path) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)


def _print_table(table: list[dict], summary: dict) -> None:
    m = summary["machine"]
    print(
        f"\n{summary['rows']:,} predictions, {summary['days']} days; {m['cores']} cores, "
        f"{m['memory_gb']} GB, {m['cpu']}; DuckDB memory_limit {summary['memory_limit']}"
    )
    header = f"{'contender':<34} {'wall s':>9} {'warehouse s':>12} {'CPU s':>8} {'peak MB':>8} {'x dbt wall':>10} {'x dbt MB':>9}  note"
    print(header)
    print("-" * len(header))
    for row in table:
        warehouse = "" if row["warehouse_s"] is None else f"{row['warehouse_s']:.2f}"
        print(
            f"{row['contender']:<34} {row['wall_s']:>9.2f} {warehouse:>12} {row['cpu_s']:>8.1f} "
            f"{row['peak_rss_mb']:>8} {row['wall_vs_dbt_full']:>10.2f} {row['rss_vs_dbt_full']:>9.2f}  {row['note']}"
        )
    print("\nTargets:")
    for name, target in summary["targets"].items():
        print(
            f"  {name:<28} {target['value']:10.3f}   target {target['target']}"
            + ("  (extrapolated)" if target.get("extrapolated") else "")
        )
    print(f"  pandas == ml_monitor: {summary['pandas_comparison']['summary']}")
    print(f"  incremental == full refresh: {summary['incremental_check']['summary']}")
    _print_model_costs(summary["model_costs"])


def _model_costs(full: dict, incremental: dict) -> list[dict]:
    """Each model's execute time in the full and the one-day incremental build (dbt's
    run_results.json), the incremental run's costliest first: what a daily run pays for."""
    names = set(full["model_execute_s"]) | set(incremental["model_execute_s"])
    costs = [
        {
            "model": name,
            "full_s": full["model_execute_s"].get(name),
            "incremental_s": incremental["model_execute_s"].get(name),
        }
        for name in names
    ]
    return sorted(costs, key=lambda c: (-(c["incremental_s"] or 0), c["model"]))


def _print_model_costs(costs: list[dict], shortest_days: int | None = None) -> None:
    """With shortest_days (history lengths), also each model's incremental time after the
    shortest history: a model whose cost grows with history shows it there."""
    print("\nWarehouse time per model (s), one-day incremental run's costliest first:")
    shortest = f"incr. {shortest_days} d" if shortest_days else ""
    print(f"  {'model':<44} {'full':>8} {'incremental':>12} {shortest:>12}")
    for c in costs:
        values = (c["full_s"], c["incremental_s"], c.get("incremental_shortest_s"))
        full, inc, inc_shortest = ("" if v is None else f"{v:.2f}" for v in values)
        print(f"  {c['model']:<44} {full:>8} {inc:>12} {inc_shortest:>12}".rstrip())


def _dbt_vars(percentiles: str) -> dict:
    return {**DBT_VARS, "ml_monitor_percentiles": percentiles}


def _write_assumed_vars(path: Path, env: dict, percentiles: str) -> None:
    """The package vars the single scan and pandas assume, as dbt resolves them for the
    bench's build (dbt_project.yml is their home), into the run's folder for them to read.
    With the build's own vars and environment: the build then reuses this parse."""
    from ml_monitor.config import Project

    project = Project.load(DEMO_PROJECT, PROFILES, "duckdb", _dbt_vars(percentiles), env)
    assumed = {
        "threshold": project.var("ml_monitor_default_threshold"),
        "band_width": project.var("ml_monitor_band_width"),
        "rolling": project.var("ml_monitor_rolling_windows")[0],  # the window pandas computes
    }
    path.write_text(json.dumps(assumed))


def _assumed_vars(run_dir: Path) -> dict:
    return json.loads((run_dir / ASSUMED_FILE).read_text())


def _output_schema() -> str:
    """Where the bench's build writes (imported here: Evidently's venv runs this file too)."""
    from ml_monitor.names import DUCKDB_OUTPUT_SCHEMA

    return DUCKDB_OUTPUT_SCHEMA


# --- incremental == full refresh, on the benchmark's own data -----------------------------


def _output_tables(con, schema: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' "
            "order by 1",
            [schema],
        ).fetchall()
    ]


def _snapshot_outputs(db: Path, snapshot: str) -> None:
    import duckdb

    with duckdb.connect(str(db)) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"drop schema if exists {snapshot} cascade")
        con.execute(f"create schema {snapshot}")
        output = _output_schema()
        for name in _output_tables(con, output):
            con.execute(f'create table {snapshot}."{name}" as select * from {output}."{name}"')


# which fit, and when the run happened, differ between two runs by nature
UNCOMPARED = ("config_version", "observed_at")


def _compare_schemas(db: Path, left: str, right: str, skip: set[str] = frozenset()) -> dict:
    """Every table of `left` equal to the same table of `right` (floats to RTOL), but the
    `skip` columns."""
    import duckdb

    problems, compared = [], 0
    with duckdb.connect(str(db)) as con:
        con.execute("set enable_progress_bar = false")
        names = _output_tables(con, left)
        for name in names:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [left, name],
            ).fetchall()
            exact = [f'"{c}"' for c, t in columns if t not in ("DOUBLE", "FLOAT") and c not in UNCOMPARED]
            floats = [c for c, t in columns if t in ("DOUBLE", "FLOAT") and c not in skip]
            n_left, n_right = (con.execute(f'select count(*) from {s}."{name}"').fetchone()[0] for s in (left, right))
            if n_left != n_right:
                problems.append(f"{name}: {n_left} vs {n_right} rows")
                continue
            # rows whose exact columns have no partner on the other side
            keys = ", ".join(exact)
            unmatched = (
                con.execute(
                    f'select count(*) from (select {keys} from {left}."{name}" except all select {keys} from {right}."{name}")'
                ).fetchone()[0]
                if exact
                else 0
            )
            if unmatched:
                problems.append(f"{name}: {unmatched} rows differ")
                continue
            if floats:
                order = ", ".join(exact + [f'"{c}"' for c in floats])
                a = con.execute(
                    f'select {", ".join(chr(34) + c + chr(34) for c in floats)} from {left}."{name}" order by {order}'
                ).fetchall()
                b = con.execute(
                    f'select {", ".join(chr(34) + c + chr(34) for c in floats)} from {right}."{name}" order by {order}'
                ).fetchall()
                bad = sum(1 for ra, rb in zip(a, b) for x, y in zip(ra, rb) if not _close(x, y, INCREMENTAL_ATOL))
                if bad:
                    problems.append(f"{name}: {bad} values differ")
                    continue
            compared += n_left
    ok = not problems
    return {
        "ok": ok,
        "tables": len(names),
        "rows": compared,
        "summary": (f"PASS ({len(names)} tables, {compared:,} rows)" if ok else "FAIL: " + "; ".join(problems[:8])),
    }


def _close(x, y, atol: float = ATOL) -> bool:
    if x is None or y is None:
        return x is None and y is None
    if isinstance(x, float) and isinstance(y, float):
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return abs(x - y) <= atol + RTOL * max(abs(x), abs(y))
    return x == y


# --- pandas results against ml_monitor's tables ------------------------------------------

# metric -> (ml_monitor query, key columns, value columns); _compare_pandas fills in {schema},
# {rolling} and {all}
ML_MONITOR_QUERIES = {
    "confidence": (
        """select bucket_start, cohort_name, cohort_value, predicted_class, n, mean_confidence,
                             var_confidence from {schema}.ml_monitor_confidence""",
        ["bucket_start", "cohort_name", "cohort_value", "predicted_class"],
        ["n", "mean_confidence", "var_confidence"],
    ),
    "rolling": (
        """select bucket_start, cohort_name, cohort_value, predicted_class, rolling_n, rolling_mean,
                          rolling_variance from {schema}.ml_monitor_confidence_rolling
                   where window_buckets = {rolling}""",
        ["bucket_start", "cohort_name", "cohort_value", "predicted_class"],
        ["rolling_n", "rolling_mean", "rolling_variance"],
    ),
    "class_shares": (
        """select bucket_start, cohort_name, cohort_value, predicted_class, n, share, reference_share
                        from {schema}.ml_monitor_class_distribution""",
        ["bucket_start", "cohort_name", "cohort_value", "predicted_class"],
        ["n", "share", "reference_share"],
    ),
    "class_drift": (
        """select bucket_start, cohort_name, cohort_value, n, psi, js_distance
                       from {schema}.ml_monitor_class_drift""",
        ["bucket_start", "cohort_name", "cohort_value"],
        ["n", "psi", "js_distance"],
    ),
    "threshold_bands": (
        """select bucket_start, cohort_name, cohort_value, predicted_class, band, n
                           from {schema}.ml_monitor_threshold_bands""",
        ["bucket_start", "cohort_name", "cohort_value", "predicted_class", "band"],
        ["n"],
    ),
    "null_fractions": (
        """select scope, bucket_start, column_name, n, null_count, serving_null_fraction
                          from {schema}.ml_monitor_null_fractions where cohort_name = '{all}'""",
        ["scope", "bucket_start", "column_name"],
        ["n", "null_count", "serving_null_fraction"],
    ),
}


def _compare_pandas(db: Path, run_dir: Path) -> dict:
    import duckdb
    import numpy as np
    import pandas as pd

    from ml_monitor.names import ALL

    assumed = _assumed_vars(run_dir)
    problems, compared = [], 0
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("set enable_progress_bar = false")
        for metric, (query, keys, values) in ML_MONITOR_QUERIES.items():
            path = run_dir / f"pandas_{metric}.parquet"
            if not path.exists():
                problems.append(f"{metric}: pandas wrote no result")
                continue
            ours = con.execute(query.format(schema=_output_schema(), all=ALL, **assumed)).df()
            theirs = pd.read_parquet(path)
            for frame in (ours, theirs):
                if "bucket_start" in frame:
                    frame["bucket_start"] = pd.to_datetime(frame["bucket_start"]).astype("datetime64[us]")
                for k in keys:
                    if k != "bucket_start":
                        frame[k] = frame[k].astype("object").where(frame[k].notna(), None).astype(str)
            merged = ours.merge(theirs, on=keys, how="outer", suffixes=("_sql", "_pandas"), indicator=True)
            only = merged["_merge"] != "both"
            if only.any():
                problems.append(
                    f"{metric}: {int((merged['_merge'] == 'left_only').sum())} rows only in ml_monitor, "
                    f"{int((merged['_merge'] == 'right_only').sum())} only in pandas "
                    f"(e.g. {merged.loc[only, keys + ['_merge']].head(3).to_dict('records')})"
                )
                continue
            for value in values:
                a = merged[f"{value}_sql"].astype("float64").to_numpy()
                b = merged[f"{value}_pandas"].astype("float64").to_numpy()
                both_nan = np.isnan(a) & np.isnan(b)
                close = np.isclose(a, b, rtol=RTOL, atol=ATOL) | both_nan
                if not close.all():
                    worst = int(np.nanargmax(np.where(close, 0, np.abs(a - b))))
                    problems.append(
                        f"{metric}.{value}: {int((~close).sum())} of {len(a)} differ "
                        f"(e.g. {a[worst]!r} vs {b[worst]!r})"
                    )
            compared += len(merged)
    ok = not problems
    return {
        "ok": ok,
        "rows": compared,
        "problems": problems,
        "summary": (
            f"PASS ({len(ML_MONITOR_QUERIES)} metrics, {compared:,} rows, rtol {RTOL:g})"
            if ok
            else "FAIL: " + "; ".join(problems[:6])
        ),
    }


# --- subcommands: what the timed processes run --------------------------------------------


def _sub_generate(args) -> dict:
    from ml_monitor import demo

    start = time.perf_counter()
    data = demo.generate(
        predictions_per_day=args.per_day,
        days=args.days,
        seed=args.seed,
        extra_numeric_features=EXTRA_NUMERIC,
        extra_categorical_features=EXTRA_CATEGORICAL,
        lazy=True,
    )
    setup = time.perf_counter() - start  # training the router and scoring its ticket pools
    if args.parquet.exists():
        shutil.rmtree(args.parquet)
    demo.write_parquet(data, args.parquet)
    return {"setup_s": setup, "generated_s": time.perf_counter() - start - setup, "rows": args.per_day * args.days}


def _log_files(parquet: Path) -> list[Path]:
    return sorted((parquet / "predictions").glob("*.parquet"))


def _sub_load(args) -> dict:
    """Load the log, or its first --days days, into DuckDB: every day but the last
    (--except-last-day, a fresh file), or the last day alone, appended (--last-day)."""
    import duckdb

    files = _log_files(args.parquet)[: args.days]
    start = time.perf_counter()
    if args.except_last_day:
        if args.db.exists():
            args.db.unlink()
        wal = args.db.with_name(args.db.name + ".wal")
        if wal.exists():
            wal.unlink()
    with duckdb.connect(str(args.db), config={"memory_limit": args.memory_limit}) as con:
        chosen = files[:-1] if args.except_last_day else files[-1:]
        listing = "[" + ", ".join(_sql_string(str(f)) for f in chosen) + "]"
        if args.except_last_day:
            con.execute(f"create table predictions as select * from read_parquet({listing})")
            for name in ("reference", "demo_events"):
                con.execute(
                    f"create table {name} as select * from read_parquet({_sql_string(str(args.parquet / (name + '.parquet')))})"
                )
        else:
            con.execute(f"insert into predictions select * from read_parquet({listing})")
        rows = con.execute("select count(*) from predictions").fetchone()[0]
    return {"rows": rows, "load_s": time.perf_counter() - start}


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sub_dbt(args) -> dict:
    from ml_monitor import runner
    from ml_monitor.config import Project

    project = Project.load(
        DEMO_PROJECT,
        PROFILES,
        "duckdb",
        _dbt_vars(args.percentiles),
        {
            "ML_MONITOR_DUCKDB_PATH": str(args.db),
            "ML_MONITOR_DUCKDB_MEMORY_LIMIT": args.memory_limit,
            **{k: os.environ[k] for k in ("DBT_TARGET_PATH", "DBT_LOG_PATH") if k in os.environ},
        },
    )
    if not (DEMO_PROJECT / "dbt_packages" / "ml_monitor").exists():
        runner.deps(project)
    start = time.perf_counter()
    # the package's models and their tests, not the demo project's own (some of which test
    # the package's sources and would be picked up by indirect selection); one model at a
    # time, so each query has every core, like the single scan, and the models' execute
    # times add up to the warehouse's busy time rather than double-counting overlaps
    command = ["run" if args.models_only else "build", "--select", SELECT, "--exclude", EXCLUDE, "--threads", "1"]
    runner.dbt(project, command + (["--full-refresh"] if args.mode == "full" else []))
    wall = time.perf_counter() - start
    target = Path(os.environ.get("DBT_TARGET_PATH", DEMO_PROJECT / "target"))
    results = json.loads((target / "run_results.json").read_text())
    models, tests, slowest = 0.0, 0.0, []
    for node in results["results"]:
        execute = sum(_seconds(t) for t in node.get("timing", []) if t.get("name") == "execute")
        if node["unique_id"].startswith("model."):
            models += execute
            slowest.append((execute, node["unique_id"].split(".")[-1]))
        elif node["unique_id"].startswith("test."):
            tests += execute
    slowest.sort(reverse=True)
    shutil.copy(target / "run_results.json", Path(args.out).with_suffix(".run_results.json"))
    return {
        "dbt_wall_s": wall,
        "dbt_elapsed_s": results.get("elapsed_time"),
        "models_execute_s": models,
        "tests_execute_s": tests,
        "overhead_s": wall - results.get("elapsed_time", wall),
        "model_execute_s": {m: round(s, 3) for s, m in slowest},
    }


def _seconds(timing: dict) -> float:
    started, completed = (
        datetime.fromisoformat(timing[k].replace("Z", "+00:00")) for k in ("started_at", "completed_at")
    )
    return (completed - started).total_seconds()


def single_scan_sql(threshold: float, band_width: float, relation: str = "predictions") -> str:
    """The floor: the log's monitored columns read into per-day sufficient statistics.

    GROUPING SETS over (day, class, band) and each cohort give counts, sums, sums of squares,
    minimum and maximum of the confidence and the monitored columns' null counts; one set
    per feature, and one per feature and cohort column, give its value counts per day and
    cohort (feature drift is monitored per cohort, with the exact KS statistic: exact value
    counts are its sufficient statistics). Everything ml_monitor derives (means, variances,
    rolling values, shares, PSI, JS, KS, band shares, null fractions) follows from these
    results without reading the log again. Two aggregations in one query, each with only
    its own aggregates: the value counts' ten million groups need no confidence sums (which
    would double the query's time). Not included: exact percentiles and the input checks
    (duplicate ids, out-of-range scores) that ml_monitor also computes."""
    from ml_monitor.names import NULL

    def q(name):
        return '"' + name + '"'

    cohort_keys = [f"cohort_{i}" for i in range(1, len(COHORTS) + 1)]
    feature_keys = [f"feature_{i}" for i in range(1, len(FEATURES) + 1)]
    cohort_sets = [[]] + [[key] for key in cohort_keys]
    statistic_sets = [
        keys + cohort
        for cohort in cohort_sets
        for keys in (["day"], ["day", "predicted_class"], ["day", "predicted_class", "band"])
    ]
    value_sets = [["day", feature, *cohort] for feature in feature_keys for cohort in cohort_sets]
    all_keys = ["predicted_class", "band", *cohort_keys, *feature_keys]
    features = ",\n        ".join(
        (
            f"cast({q(f)} as double) as feature_{i}"
            if f in NUMERIC
            else f"coalesce(cast({q(f)} as varchar), '{NULL}') as feature_{i}"
        )
        for i, f in enumerate(FEATURES, 1)
    )
    cohorts = ",\n        ".join(
        f"coalesce(cast({q(c)} as varchar), '{NULL}') as cohort_{i}" for i, c in enumerate(COHORTS, 1)
    )
    log = f"""(
    select
        date_trunc('day', predicted_at) as day, predicted_class, confidence,
        cast(floor((confidence - {threshold}) / {band_width}) as integer) as band,
        {cohorts},
        {features},
        {", ".join(q(c) for c in MONITORED)}
    from {relation}
) as log"""
    statistics = ",\n    ".join(
        [
            "sum(confidence) as sum_confidence",
            "sum(confidence * confidence) as sum_squares",
            "min(confidence) as min_confidence",
            "max(confidence) as max_confidence",
        ]
        + [f"sum(case when {q(c)} is null then 1 else 0 end) as null_{i}" for i, c in enumerate(MONITORED, 1)]
    )
    no_statistics = ",\n    ".join(["cast(null as double)"] * 4 + ["cast(null as hugeint)"] * len(MONITORED))

    def aggregation(sets, aggregates):
        grouped = sorted({key for keys in sets for key in keys if key != "day"}, key=all_keys.index)
        columns = ", ".join(key if key in grouped else f"null as {key}" for key in all_keys)
        grouping = ", ".join("(" + ", ".join(s) + ")" for s in sets)
        return f"""
select
    grouping_id({", ".join(grouped)}) as grouping_set, day, {columns},
    count(*) as n,
    {aggregates}
from {log}
group by grouping sets ({grouping})"""

    return aggregation(statistic_sets, statistics) + "\nunion all" + aggregation(value_sets, no_statistics) + "\n"


def _sub_single_scan(args) -> dict:
    import duckdb

    assumed = _assumed_vars(args.results_dir)
    assumed.pop("rolling")

    with duckdb.connect(str(args.db), read_only=True, config={"memory_limit": args.memory_limit}) as con:
        con.execute("select 1").fetchall()
        start = time.perf_counter()
        con.execute(f"create temp table sufficient_statistics as {single_scan_sql(**assumed)}")
        elapsed = time.perf_counter() - start
        rows = con.execute("select count(*) from sufficient_statistics").fetchone()[0]
    return {"query_s": elapsed, "result_rows": rows}


def _sub_pandas(args) -> dict:
    """The core metrics the way a data scientist would write them in pandas: load the columns
    once, then one groupby per cohort column (and one for the whole population)."""
    import numpy as np
    import pandas as pd

    from ml_monitor.names import ALL, NULL

    assumed = _assumed_vars(args.results_dir)
    start = time.perf_counter()
    columns = ["prediction_id", "predicted_at", "predicted_class", "confidence"] + MONITORED
    log = pd.read_parquet(args.parquet / "predictions", columns=columns)
    reference = pd.read_parquet(args.parquet / "reference.parquet", columns=["split", "label", "predicted_class"])
    loaded = time.perf_counter()

    # the same input checks as ml_monitor: a time, a class, a score in [0, 1], each id once (its earliest copy)
    log = log[
        log["predicted_at"].notna()
        & log["predicted_class"].notna()
        & log["confidence"].between(0, 1)
        & log["prediction_id"].notna()
    ]
    log["bucket_start"] = log["predicted_at"].dt.floor("D")
    log = (
        log.sort_values("predicted_at", kind="stable")
        .drop_duplicates("prediction_id")
        .drop(columns=["prediction_id", "predicted_at"])
    )
    log["squared"] = log["confidence"] ** 2
    log["band"] = np.floor((log["confidence"] - assumed["threshold"]) / assumed["band_width"]).astype("int64")

    keys = ["bucket_start", "cohort_name", "cohort_value", "predicted_class"]

    def per_cohort(extra_keys: list[str], by_class: bool, **aggregations) -> pd.DataFrame:
        """One groupby per cohort column plus the whole population, in ml_monitor's long format."""
        frames = []
        for cohort in [None] + COHORTS:
            group = (
                ["bucket_start"] + ([cohort] if cohort else []) + (["predicted_class"] if by_class else []) + extra_keys
            )
            frame = log.groupby(group, observed=True, dropna=False).agg(**aggregations).reset_index()
            frame["cohort_name"] = cohort or ALL
            frame["cohort_value"] = frame[cohort].astype("string").fillna(NULL) if cohort else ALL
            if not by_class:
                frame["predicted_class"] = ALL
            frame["predicted_class"] = frame["predicted_class"].astype("string")
            frames.append(frame[keys + extra_keys + list(aggregations)])
        return pd.concat(frames, ignore_index=True)

    # confidence per bucket, cohort and class (ALL: every class)
    stats = dict(
        n=("confidence", "count"),
        sum=("confidence", "sum"),
        mean_confidence=("confidence", "mean"),
        var_confidence=("confidence", "var"),
        sum_squares=("squared", "sum"),
    )
    confidence = pd.concat([per_cohort([], True, **stats), per_cohort([], False, **stats)], ignore_index=True)
    _save(confidence[keys + ["n", "mean_confidence", "var_confidence"]], args.results_dir, "confidence")

    # rolling values (the first rolling window) pooled over every confidence of the window (calendar days, empty ones too)
    wide = confidence.pivot_table(
        index="bucket_start", columns=keys[1:], values=["n", "sum", "sum_squares"], aggfunc="sum", fill_value=0
    )
    days = pd.date_range(wide.index.min(), wide.index.max(), freq="D")
    window = wide.reindex(days, fill_value=0).rolling(assumed["rolling"], min_periods=1).sum()
    rolling = window.stack(keys[1:]).rename_axis(keys).reset_index()
    rolling = rolling[rolling["n"] > 0]
    rolling["rolling_mean"] = rolling["sum"] / rolling["n"]
    rolling["rolling_variance"] = (
        ((rolling["sum_squares"] - rolling["sum"] ** 2 / rolling["n"]) / (rolling["n"] - 1))
        .clip(lower=0)
        .where(rolling["n"] > 1)
    )
    _save(
        rolling.rename(columns={"n": "rolling_n"})[keys + ["rolling_n", "rolling_mean", "rolling_variance"]],
        args.results_dir,
        "rolling",
    )

    # class shares against the model's predictions on the holdout split (its classes and the
    # training labels' classes are the reference's categories); PSI and JS per bucket and cohort
    holdout = reference.loc[reference["split"] == "validation", "predicted_class"].dropna().value_counts(normalize=True)
    labels = reference.loc[reference["split"] == "train", "label"].dropna().unique()
    reference_share = holdout.reindex(holdout.index.union(labels), fill_value=0.0)
    counts = confidence[confidence["predicted_class"] != ALL].pivot_table(
        index=keys[:3], columns="predicted_class", values="n", aggfunc="sum", fill_value=0
    )
    counts = counts.reindex(columns=counts.columns.union(reference_share.index).rename("predicted_class"), fill_value=0)
    p = counts.div(counts.sum(axis=1), axis=0)
    q = pd.DataFrame(
        np.broadcast_to(reference_share.reindex(counts.columns, fill_value=0.0).to_numpy(), p.shape),
        index=p.index,
        columns=p.columns,
    )
    shares = pd.DataFrame({"n": counts.stack(), "share": p.stack(), "reference_share": q.stack()}).reset_index()
    # a class neither predicted in the bucket nor in the training labels is not a category there
    shares = shares[(shares["n"] > 0) | shares["predicted_class"].isin(reference_share.index)]
    _save(shares, args.results_dir, "class_shares")
    p_floor, q_floor = p.where(p > 0, 1e-4), q.where(q > 0, 1e-4)
    m = (p + q) / 2
    js = np.sqrt(
        (
            0.5 * (p * np.log2(p / m)).where(p > 0, 0).sum(axis=1)
            + 0.5 * (q * np.log2(q / m)).where(q > 0, 0).sum(axis=1)
        ).clip(lower=0)
    )
    drift = pd.DataFrame(
        {
            "n": counts.sum(axis=1),
            "psi": ((p_floor - q_floor) * np.log(p_floor / q_floor)).sum(axis=1),
            "js_distance": js,
        }
    )
    _save(drift.reset_index(), args.results_dir, "class_drift")

    # predictions per threshold band of each class (default threshold, band width 0.05)
    bands = per_cohort(["band"], True, n=("confidence", "count"))
    _save(bands, args.results_dir, "threshold_bands")

    # null fraction of every monitored column per bucket, and overall
    nulls = log[MONITORED].isna().groupby(log["bucket_start"]).sum()
    sizes = log.groupby("bucket_start").size()
    per_bucket = nulls.stack().rename("null_count").rename_axis(["bucket_start", "column_name"]).reset_index()
    per_bucket["n"] = per_bucket["bucket_start"].map(sizes)
    per_bucket["scope"] = "bucket"
    overall = per_bucket.groupby("column_name", as_index=False)[["null_count", "n"]].sum()
    overall["scope"], overall["bucket_start"] = "overall", pd.NaT
    fractions = pd.concat([per_bucket, overall], ignore_index=True)
    fractions["serving_null_fraction"] = fractions["null_count"] / fractions["n"]
    _save(
        fractions[["scope", "bucket_start", "column_name", "n", "null_count", "serving_null_fraction"]],
        args.results_dir,
        "null_fractions",
    )
    return {"load_s": loaded - start, "compute_s": time.perf_counter() - loaded, "rows": len(log)}


def _save(frame, folder: Path, metric: str) -> None:
    frame.to_parquet(Path(folder) / f"pandas_{metric}.parquet", index=False)


def _sub_evidently(args) -> dict:
    """Evidently's drift per day: PSI and Jensen-Shannon on the predicted class and every
    feature, KS on the numeric ones, against the training split; stops after `budget` s."""
    import warnings

    warnings.filterwarnings("ignore")
    start = time.perf_counter()
    import evidently
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift

    columns = ["predicted_class"] + FEATURES
    reference = pd.read_parquet(args.parquet / "reference.parquet")
    reference = reference[reference["split"] == "train"].assign(predicted_class=lambda f: f["label"])[columns]
    files = _log_files(args.parquet)
    prepared = time.perf_counter()
    day_times, results = [], {}
    for path in files:
        day_start = time.perf_counter()
        current = pd.read_parquet(path, columns=columns)
        for name in CATEGORICAL + ["predicted_class"]:
            current[name] = current[name].astype("object")
        present = [c for c in columns if current[c].notna().any() and reference[c].notna().any()]
        definition = DataDefinition(
            numerical_columns=[c for c in NUMERIC if c in present],
            categorical_columns=[c for c in CATEGORICAL + ["predicted_class"] if c in present],
        )
        metrics = []
        for name in present:
            metrics += [ValueDrift(column=name, method="psi"), ValueDrift(column=name, method="jensenshannon")]
            if name in NUMERIC:
                metrics.append(ValueDrift(column=name, method="ks"))
        snapshot = Report(metrics).run(
            current_data=Dataset.from_pandas(current[present], data_definition=definition),
            reference_data=Dataset.from_pandas(reference[present], data_definition=definition),
        )
        results[path.stem] = {m["metric_name"]: float(m["value"]) for m in snapshot.dict()["metrics"]}
        day_times.append(time.perf_counter() - day_start)
        if time.perf_counter() - start > args.budget:
            break
    done = len(day_times)
    per_day = sum(day_times) / done
    fixed = prepared - start
    Path(args.out).with_suffix(".values.json").write_text(json.dumps(results, indent=1))
    return {
        "version": evidently.__version__,
        "days_done": done,
        "days_total": len(files),
        "extrapolated": done < len(files),
        "per_day_s": per_day,
        "fixed_s": fixed,
        "estimated_total_s": fixed + per_day * len(files),
        "metrics_per_day": len(next(iter(results.values()))),
    }


def _subcommand(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    parser.add_argument("--out", required=True)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--parquet", type=Path)
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--per-day", type=int)
    parser.add_argument("--days", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--mode", choices=["full", "incremental"])
    parser.add_argument("--percentiles", choices=["exact", "approximate"], default="exact")
    parser.add_argument("--models-only", action="store_true", help="dbt run: the models without their tests")
    parser.add_argument("--except-last-day", action="store_true")
    parser.add_argument("--last-day", action="store_true")
    parser.add_argument("--results-dir", type=Path)
    parser.add_argument("--budget", type=float, default=300.0)
    args = parser.parse_args(argv)
    commands = {
        "_generate": _sub_generate,
        "_load": _sub_load,
        "_dbt": _sub_dbt,
        "_single_scan": _sub_single_scan,
        "_pandas": _sub_pandas,
        "_evidently": _sub_evidently,
    }
    detail = commands[args.command](args)
    Path(args.out).write_text(json.dumps(detail, indent=2, default=str))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        sys.exit(_subcommand(sys.argv[1:]))
    sys.exit(main())
