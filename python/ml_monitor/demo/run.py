"""The whole demo, as `ml-monitor demo` runs it: generate the log, load it into the target,
save the router, run the pipeline on the demo's dbt project and say what the monitors found.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .. import names, pipeline
from ..config import Project, package_root
from ..warehouse import Warehouse
from .generate import DAYS, PREDICTIONS_PER_DAY, SEED, generate
from .scenarios import scenario as named_scenario
from .writers import save_model, write_duckdb, write_warehouse

# The demo's DuckDB file in its output folder; the shipped profile's default path names it
# too, so the CLI run from the package folder finds the demo without --db.
DATABASE = "ml_monitor_demo.duckdb"
MODEL_FILE = "ticket_router.joblib"
REPORT_FILE = "ml_monitor_report.html"


def run_demo(
    *,
    predictions_per_day: int = PREDICTIONS_PER_DAY,
    days: int = DAYS,
    seed: int = SEED,
    scenario: str = "demo",
    stale_hours: float = 0.0,
    steps: list[str] | None = None,
    output_dir: str | Path | None = None,
    project_dir: str | Path | None = None,
    profiles_dir: str | Path | None = None,
    target: str | None = None,
    cli_vars: dict | None = None,
    db: str | Path | None = None,
    echo: Callable[[str], None] = print,
    progress: pipeline.Progress = pipeline.no_progress,
) -> Path | None:
    """Generate the demo, load it into the target and run `steps` (default: every step but
    notify) with a full refresh; returns the report's path (None without the report step).

    output_dir (default <package>/data) holds the DuckDB file (unless db names another), the
    model and the report, and the local Spark target's folder. project_dir and profiles_dir
    default to the demo's dbt project and the profile shipped with it; cli_vars go over the
    generator's own (ml_monitor_now: the log's end).
    """
    output_dir = Path(output_dir or package_root() / "data").resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    db_path = Path(db or output_dir / DATABASE).resolve()
    env = {
        names.DUCKDB_PATH_VARIABLE: str(db_path),
        # the local Spark target's folder beside the other output, unless set
        names.SPARK_DIR_VARIABLE: os.environ.get(names.SPARK_DIR_VARIABLE) or str(output_dir / "spark"),
    }
    echo(f"Generating {predictions_per_day * days:,} predictions over {days} days ...")
    data = generate(
        predictions_per_day=predictions_per_day,
        days=days,
        seed=seed,
        scenario=named_scenario(scenario),
        stale_hours=stale_hours,
    )
    # monitored at the generator's "now", the end of the log (plus stale_hours)
    project = Project.load(
        project_dir or package_root() / "demo",
        profiles_dir or package_root() / "profiles",
        target,
        {**data.dbt_vars(), **(cli_vars or {})},
        env,
    )
    _load(data, project, db_path)
    model_path = output_dir / MODEL_FILE
    save_model(data.model, model_path)
    # full refresh: a warehouse target may hold an earlier demo's buckets, which an
    # incremental run would keep
    report_path = pipeline.run(
        project,
        str(model_path),
        [step for step in pipeline.STEPS if step != "notify"] if steps is None else steps,
        output_dir / REPORT_FILE,
        full_refresh=True,
        echo=echo,
        progress=progress,
    )
    echo("")
    echo(_where(project, db_path))
    echo("What the monitors found:")
    for line in pipeline.summarize(project):
        echo(f"  {line}")
    return report_path


def _load(data, project: Project, db_path: Path) -> None:
    """The demo's tables into the target's source schema."""
    if project.adapter_type != "duckdb":
        with Warehouse.connect(project) as wh:
            write_warehouse(data, wh, project.source_schema)
        return
    # the demo's file holds only what the demo makes: start it afresh
    if db_path.exists():  # held by another process: say so rather than pull it away
        Warehouse.connect(project).close()
    for stale in (db_path, db_path.with_name(db_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    write_duckdb(data, db_path, project.source_schema)


def _where(project: Project, db_path: Path) -> str:
    """Where the demo's tables are."""
    if project.adapter_type == "duckdb":
        return f"DuckDB file: {db_path} (schema {project.output_schema})"
    where = f"Tables in {project.adapter_type} target '{project.target_name}', schema {project.output_schema}"
    if project.adapter_type == "spark" and project.credentials["method"] == "session":
        where += f"\nSpark folder (warehouse and metastore): {project.env[names.SPARK_DIR_VARIABLE]}"
    return where
