"""The `ml-monitor` command line: a thin layer over the library modules.

Every command reads the same dbt profile and vars as `dbt build`, so a connection and the
inputs are configured once. Errors the user can fix end in one line on stderr and exit
code 1; an interrupt exits 130 and leaves no half-written table (writes are swaps).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import yaml

from .config import Project, package_root
from .errors import MonitorError

STEPS = ("build", "thresholds", "project", "explain", "perturb", "report")


def _load_project(ctx: click.Context) -> Project:
    options = ctx.obj
    if options.get("db"):
        os.environ["ML_MONITOR_DUCKDB_PATH"] = str(Path(options["db"]).resolve())
    return Project.load(options.get("project_dir"), options.get("profiles_dir"), options.get("target"), options.get("vars"))


def _parse_vars(_ctx, _param, value: str | None) -> dict:
    if not value:
        return {}
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise click.BadParameter(f"not YAML: {exc}") from exc
    if not isinstance(parsed, dict):
        raise click.BadParameter("must be a YAML mapping, e.g. '{ml_monitor_time_grain: hour}'")
    return parsed


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), envvar="ML_MONITOR_PROJECT_DIR",
              help="The dbt project that uses ml_monitor (default: this package's root).")
@click.option("--profiles-dir", type=click.Path(file_okay=False, path_type=Path), envvar="DBT_PROFILES_DIR",
              help="Folder of profiles.yml with the `ml_monitor` profile (default: <project>/profiles, else the package's).")
@click.option("--target", "-t", envvar="ML_MONITOR_TARGET", help="Profile target: duckdb (default), postgres or spark.")
@click.option("--vars", "vars_", callback=_parse_vars, help="dbt vars as YAML, merged over the project's (as dbt --vars).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="DuckDB file to use (sets ML_MONITOR_DUCKDB_PATH for the duckdb target).")
@click.version_option(package_name="ml-monitor")
@click.pass_context
def cli(ctx: click.Context, project_dir, profiles_dir, target, vars_, db) -> None:
    """Monitor a classification model from its prediction log.

    dbt computes the SQL monitors (`ml-monitor build` or `dbt build`); the other commands
    run the Python steps and write their results as tables next to the dbt models.
    `ml-monitor run` does everything in order; `ml-monitor demo` does it on generated data.
    """
    ctx.obj = {"project_dir": project_dir, "profiles_dir": profiles_dir, "target": target, "vars": vars_, "db": db}


@cli.command()
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental base tables from the whole log.")
@click.option("--select", "-s", help="dbt selection (default: the whole project).")
@click.pass_context
def build(ctx: click.Context, full_refresh: bool, select: str | None) -> None:
    """Run `dbt build` (models and tests) with this profile and these vars."""
    from . import runner

    project = _load_project(ctx)
    runner.deps(project)
    runner.build(project, select=select, full_refresh=full_refresh)
    click.echo(f"dbt build done: tables in schema {project.output_schema}")


def main() -> None:
    """Console entry point: one-line errors, conventional exit codes."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Interrupted; tables already written are intact.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("Interrupted; tables already written are intact.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except MonitorError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
