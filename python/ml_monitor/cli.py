"""The `ml-monitor` command line: a thin layer over the library modules.

dbt itself resolves every command's profile, target, vars and table locations, as for
`dbt build` (config.py), so a connection and the inputs are configured once. Errors the user can fix end in one line on stderr and exit
code 1; an interrupt exits 130 and leaves no half-written table (writes are swaps).
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import yaml

from .config import Project, package_root
from .errors import MonitorError
from .names import DUCKDB_PATH_VARIABLE


def _load_project(ctx: click.Context) -> Project:
    options = ctx.obj
    env = {DUCKDB_PATH_VARIABLE: str(Path(options["db"]).resolve())} if options.get("db") else {}
    return Project.load(
        options.get("project_dir"), options.get("profiles_dir"), options.get("target"), options.get("vars"), env
    )


class _LibraryDefault(click.Option):
    """An option whose default is the keyword default of the library function it goes to
    ("module:function"), that default's one home. Looked up when the command runs or shows
    its help, so that start-up imports none of the library's heavy modules."""

    def __init__(self, *args, default_of: str, **kwargs):
        super().__init__(*args, show_default=True, **kwargs)
        self.default_of = default_of

    def get_default(self, ctx: click.Context, call: bool = True):
        module, function = self.default_of.split(":")
        library_function = getattr(importlib.import_module(f"{__package__}.{module}"), function)
        return inspect.signature(library_function).parameters[self.name].default


def _default_of(function: str) -> dict:
    """click.option(..., **_default_of("module:function")): the default the library gives."""
    return {"cls": _LibraryDefault, "default_of": function}


def _steps() -> str:
    """pipeline.STEPS as a --steps value; imported when a default is needed, not at start-up."""
    from .pipeline import STEPS

    return ",".join(STEPS)


def _step_list(steps: str) -> list[str]:
    return [s.strip() for s in steps.split(",") if s.strip()]


def _parse_vars(_ctx, _param, value: str | None) -> dict:
    if not value:
        return {}
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError as exc:  # its text draws a caret diagram over several lines
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise MonitorError(
            f"--vars is not valid YAML: {getattr(exc, 'problem', None) or 'cannot parse it'}{where}"
        ) from None
    if not isinstance(parsed, dict):
        raise MonitorError("--vars must be a YAML mapping, e.g. '{ml_monitor_time_grain: hour}'")
    return parsed


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="DBT_PROJECT_DIR",
    help="The dbt project that installs ml_monitor (as dbt: DBT_PROJECT_DIR, else the nearest folder "
    "up from here with a dbt_project.yml).",
)
@click.option(
    "--profiles-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of profiles.yml (as dbt: DBT_PROFILES_DIR, else here if it has one, else ~/.dbt; "
    "where none of them has one, the profile shipped with ml_monitor, as the demo uses).",
)
@click.option("--target", "-t", help="Target of the project's profile (as dbt: DBT_TARGET, else the profile's target).")
@click.option(
    "--vars", "vars_", callback=_parse_vars, help="dbt vars as YAML, merged over the project's (as dbt --vars)."
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="DuckDB file to use (sets ML_MONITOR_DUCKDB_PATH, which the shipped profile reads).",
)
@click.version_option(package_name="ml-monitor")
@click.pass_context
def cli(ctx: click.Context, project_dir, profiles_dir, target, vars_, db) -> None:
    """Monitor a classification model from its prediction log.

    dbt computes the SQL monitors (`ml-monitor build` or `dbt build`); the other commands
    run the Python steps and write their results as tables next to the dbt models.
    `ml-monitor run` does everything in order; `ml-monitor demo` does it on generated data.

    A model file (--model) is a joblib pickle, and loading a pickle runs code: give only
    files you trust. Only the path given is ever loaded.
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


MODEL_HELP = (
    "The model: a joblib file of a scikit-learn estimator with predict_proba, or "
    "module:callable returning one. A joblib file is code: it runs when loaded, so give "
    "only files you trust; nothing but this path is loaded."
)


def _model_option(required: bool):
    return click.option("--model", "model_spec", required=required, envvar="ML_MONITOR_MODEL", help=MODEL_HELP)


model_id_option = click.option("--model-id", help="Which model of the log (needed when it holds several).")
seed_option = click.option("--seed", default=0, show_default=True, help="Seed of the sampling and of the method.")


@cli.command("fit-thresholds")
@click.option(
    "--objective",
    type=click.Choice(["f1", "min_precision", "min_recall"]),
    default="f1",
    show_default=True,
    help="f1: the threshold maximising F1; min_precision / min_recall: the best threshold meeting the bound.",
)
@click.option("--min-precision", type=click.FloatRange(0, 1), help="Bound for --objective min_precision.")
@click.option("--min-recall", type=click.FloatRange(0, 1), help="Bound for --objective min_recall.")
@click.pass_context
def fit_thresholds(ctx: click.Context, objective: str, min_precision, min_recall) -> None:
    """Fit decision thresholds and isotonic calibration on the holdout split.

    Per model and predicted class (binary mode: on p_positive when ml_monitor_positive_class
    is set), from the holdout rows of stg_ml_monitor__reference. Writes ml_monitor_thresholds
    and ml_monitor_calibration; the next dbt build uses them in ml_monitor_threshold_bands
    (threshold_source = 'fitted') and ml_monitor_estimated_performance.
    """
    from . import pipeline

    if objective == "min_precision" and min_precision is None:
        raise click.UsageError("--objective min_precision needs --min-precision")
    if objective == "min_recall" and min_recall is None:
        raise click.UsageError("--objective min_recall needs --min-recall")
    summary = pipeline.fit_thresholds(_load_project(ctx), objective, min_precision, min_recall)
    click.echo(
        f"{summary['thresholds']} thresholds and {summary['calibrated_groups']} calibrations fitted on "
        f"{summary['holdout_rows']} holdout rows ({summary['excluded_rows']} excluded)"
    )


@cli.command("project")
@_model_option(required=False)
@model_id_option
@click.option(
    "--sample-size", type=int, help="Reference rows per class (at most 4095).", **_default_of("projection:run")
)
@click.option(
    "--window-sample-size", type=int, help="Serving rows per class and window.", **_default_of("projection:run")
)
@click.option("--window-buckets", type=int, help="Buckets per serving window (default: a week of buckets).")
@click.option(
    "--threshold",
    type=float,
    help="Domain AUC above which a class window counts as drifted.",
    **_default_of("projection:run"),
)
@seed_option
@click.pass_context
def project_command(
    ctx: click.Context, model_spec, model_id, sample_size, window_sample_size, window_buckets, threshold, seed
) -> None:
    """UMAP of the feature space per class, reference against serving, and its drift.

    Vectors come from ml_monitor_embedding_column, or else from the text through the
    model's own feature pipeline (--model). Fits a map per class on a bounded holdout sample,
    places serving windows into it, and scores each window by the cross-validated ROC AUC of
    a classifier telling reference from serving vectors. Writes
    ml_monitor_embedding_projection and ml_monitor_embedding_drift.
    """
    from . import pipeline

    project = _load_project(ctx)
    model = _load_model(model_spec) if model_spec else None
    _, drift = pipeline.project_embeddings(
        project,
        model,
        _progress_bar,
        model_id=model_id,
        sample_size=sample_size,
        window_sample_size=window_sample_size,
        window_buckets=window_buckets,
        threshold=threshold,
        seed=seed,
    )
    click.echo(f"{int(drift['is_drift'].fillna(False).sum())} of {len(drift)} class windows drifted")


@cli.command("multivariate")
@model_id_option
@click.option(
    "--sample-size", type=int, help="Training rows the windows are compared with.", **_default_of("multivariate:run")
)
@click.option("--window-sample-size", type=int, help="Serving rows per window.", **_default_of("multivariate:run"))
@click.option("--window-buckets", type=int, help="Buckets per serving window (default: a week of buckets).")
@seed_option
@click.pass_context
def multivariate_command(ctx: click.Context, model_id, sample_size, window_sample_size, window_buckets, seed) -> None:
    """Multivariate drift of the tabular features (ml_monitor_features) per serving window.

    A gradient-boosted domain classifier tells each window's rows from the training
    split's (cross-validated ROC AUC, with its p-value against no drift), beside PCA
    reconstruction error against the reference's band. Writes ml_monitor_multivariate_drift.
    """
    from . import pipeline

    drift = pipeline.multivariate_drift(
        _load_project(ctx),
        _progress_bar,
        model_id=model_id,
        sample_size=sample_size,
        window_sample_size=window_sample_size,
        window_buckets=window_buckets,
        seed=seed,
    )
    click.echo(f"{int(drift['is_drift'].fillna(False).sum())} of {len(drift)} windows drifted")


@cli.command()
@_model_option(required=True)
@model_id_option
@click.option(
    "--per-class", type=int, help="Random serving rows explained per predicted class.", **_default_of("explain:run")
)
@click.option("--queue-limit", type=int, help="Label-queue rows explained first.", **_default_of("explain:run"))
@click.option("--num-features", type=int, help="Features (tokens) per explanation.", **_default_of("explain:run"))
@click.option("--num-samples", type=int, help="LIME's perturbed samples per explanation.", **_default_of("explain:run"))
@seed_option
@click.pass_context
def explain(ctx: click.Context, model_spec, model_id, per_class, queue_limit, num_features, num_samples, seed) -> None:
    """Explain serving predictions with LIME, per sample and per class.

    Text models use LimeTextExplainer, tabular ones LimeTabularExplainer with the training
    statistics of the reference. Explains the label queue first, then a random sample per
    class. Writes ml_monitor_explanations and ml_monitor_class_explanations.
    """
    from . import pipeline

    explanations, by_class = pipeline.explain(
        _load_project(ctx),
        _load_model(model_spec),
        _progress_bar,
        model_id=model_id,
        per_class=per_class,
        queue_limit=queue_limit,
        num_features=num_features,
        num_samples=num_samples,
        seed=seed,
    )
    click.echo(f"{explanations['prediction_id'].nunique()} predictions explained, {len(by_class)} class-level weights")


@cli.command()
@_model_option(required=True)
@model_id_option
@click.option("--per-class", type=int, help="Holdout rows perturbed per label.", **_default_of("perturb:run"))
@click.option(
    "--perturbation",
    "perturbations",
    multiple=True,
    help="Run only these (repeatable): typos, case, whitespace, punctuation, word_dropout; gaussian_noise for tabular.",
)
@click.option("--tolerance", type=float, help="Flip rate above which a check fails.", **_default_of("perturb:run"))
@seed_option
@click.pass_context
def perturb(ctx: click.Context, model_spec, model_id, per_class, perturbations, tolerance, seed) -> None:
    """Check that in-domain noise does not change predictions.

    Perturbs holdout rows (text: typos, case, whitespace, punctuation, word drop-out;
    numeric: noise scaled to each feature's spread) and writes the flip rate and mean
    |Δconfidence| per perturbation and class to ml_monitor_perturbation_checks.
    """
    from . import pipeline

    checks = pipeline.perturb(
        _load_project(ctx),
        _load_model(model_spec),
        _progress_bar,
        model_id=model_id,
        per_class=per_class,
        perturbations=list(perturbations) or None,
        tolerance=tolerance,
        seed=seed,
    )
    click.echo(f"{int(checks['is_failure'].sum())} of {len(checks)} checks past the tolerance")


@cli.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default="ml_monitor_report.html",
    show_default=True,
    help="Where to write the HTML file.",
)
@click.pass_context
def report(ctx: click.Context, output: Path) -> None:
    """Write a self-contained HTML dashboard of every monitoring table that exists.

    One file, no network needed (scripts and styles inline), built from aggregate tables
    and bounded samples so it stays small at any log size.
    """
    from . import pipeline

    click.echo(pipeline.report(_load_project(ctx), output))


NOTIFY_URLS_HELP = (
    "Apprise URL of a channel (Slack, Teams, email, any webhook); repeatable. Default: "
    "ML_MONITOR_NOTIFY_URLS, URLs separated by spaces. URLs hold secrets: they are never shown."
)
REPORT_URL_HELP = "Where the report is published: messages link to BASE#incident-<id>."


@cli.command()
@_model_option(required=False)
@click.option(
    "--steps",
    default=lambda: _steps(),
    show_default="every step",
    help="Comma-separated steps to run, always in dependency order.",
)
@click.option(
    "--report-path",
    type=click.Path(dir_okay=False, path_type=Path),
    default="ml_monitor_report.html",
    show_default=True,
    help="Where the report step writes.",
)
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental base tables from the whole log.")
@click.option("--notify-url", "notify_urls", multiple=True, envvar="ML_MONITOR_NOTIFY_URLS", help=NOTIFY_URLS_HELP)
@click.option("--report-url", envvar="ML_MONITOR_REPORT_URL", metavar="BASE", help=REPORT_URL_HELP)
@click.option(
    "--notify-digest", is_flag=True, help="The notify step sends one message per channel listing every change."
)
@click.pass_context
def run(
    ctx: click.Context,
    model_spec,
    steps: str,
    report_path: Path,
    full_refresh: bool,
    notify_urls,
    report_url,
    notify_digest: bool,
) -> None:
    """Run everything in order: fit-thresholds on the staged holdout, dbt build (which uses
    the fit), project, multivariate, explain, perturb, the alerts that read them, the report, and the
    notifications (skipped when no channel is configured)."""
    from . import pipeline

    path = pipeline.run(
        _load_project(ctx),
        model_spec,
        _step_list(steps),
        report_path,
        full_refresh,
        click.echo,
        notify_urls=notify_urls,
        report_url=report_url,
        notify_digest=notify_digest,
        progress=_progress_bar,
    )
    if path:
        click.echo(f"Report: {path}")


@cli.command()
@click.option("--url", "urls", multiple=True, envvar="ML_MONITOR_NOTIFY_URLS", help=NOTIFY_URLS_HELP)
@click.option("--report-url", envvar="ML_MONITOR_REPORT_URL", metavar="BASE", help=REPORT_URL_HELP)
@click.option(
    "--digest", is_flag=True, help="One message per channel listing every change, instead of one per incident."
)
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@click.pass_context
def notify(ctx: click.Context, urls, report_url, digest: bool, dry_run: bool) -> None:
    """Tell each channel about incidents that are new, escalated or resolved for it.

    One message per incident that is new, escalated (warning to critical, or spread to more
    series) or resolved since the channel was last told; acknowledged incidents send no
    escalations. What each channel was told is kept in ml_monitor_notifications, written
    after the channel accepted, so the next run sends exactly what was not delivered. Exit
    code 1 names any channel that failed three tries.
    """
    from . import pipeline

    pipeline.notify(_load_project(ctx), urls, report_url, digest, dry_run, echo=click.echo)


@cli.command()
@click.argument("incident_id")
@click.option("--note", help="Why, or who is on it (stored with the acknowledgement).")
@click.pass_context
def ack(ctx: click.Context, incident_id: str, note: str | None) -> None:
    """Acknowledge an open incident (its id, or a unique prefix): notify sends no escalation
    for it until it resolves; its resolution is still sent."""
    from . import notify as notifications
    from . import pipeline

    with pipeline.warehouse(_load_project(ctx)) as wh:
        full_id = notifications.acknowledge(wh, incident_id, note)
    click.echo(f"Acknowledged {full_id}: no escalation messages until it resolves")


@cli.command()
@click.pass_context
def incidents(ctx: click.Context) -> None:
    """List the open incidents, the most recent first: id, severity, and the title, which
    begins with the onset (ack: acknowledged)."""
    from . import notify as notifications
    from . import pipeline

    with pipeline.warehouse(_load_project(ctx)) as wh:
        found = notifications.open_incidents(wh)
    if found.empty:
        click.echo("No open incidents.")
    for i in found.itertuples(index=False):
        click.echo(f"{i.incident_id}  {i.severity:<8}  {'ack' if i.acknowledged else '   '}  {i.title}")


@cli.command()
@click.option(
    "--predictions-per-day", type=int, help="Size of the serving log per day.", **_default_of("demo.run:run_demo")
)
@click.option(
    "--days", type=int, help="Days of serving log (events at days 30, 40, 45, 50).", **_default_of("demo.run:run_demo")
)
@click.option("--seed", type=int, help="Seed of the generator.", **_default_of("demo.run:run_demo"))
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the DuckDB file, the model and the report (default: <package>/data).",
)
@click.option(
    "--steps",
    show_default="every step but notify",
    help="Steps of `ml-monitor run` to run on the demo.",
)
@click.option(
    "--target", "-t", "demo_target", help="Profile target to load the demo into: duckdb (default), postgres or spark."
)
@click.option(
    "--scenario",
    help="Planted events: demo, stable, slow_drift, seasonal or concept_drift (see bench/README.md).",
    **_default_of("demo.run:run_demo"),
)
@click.option(
    "--stale-hours",
    type=click.FloatRange(min=0),
    help="Monitor the log this many hours after its end, so that it looks stale.",
    **_default_of("demo.run:run_demo"),
)
@click.pass_context
def demo(
    ctx: click.Context,
    predictions_per_day: int,
    days: int,
    seed: int,
    output_dir: Path | None,
    steps: str,
    demo_target: str | None,
    scenario: str,
    stale_hours: float,
) -> None:
    """Generate the support-ticket router demo and monitor it end to end.

    Trains a TF-IDF + logistic regression router on generated tickets, writes its reference
    data and a serving log with four planted events (a class-share shift in the chat
    channel from day 30, typed instead of pasted tickets from day 40, an upstream schema
    change and a nulled column from day 45, two features that move together from day 50) into a DuckDB file, runs `ml-monitor run` on
    the demo dbt project, prints what the monitors found and the report's path.
    """
    from .demo import run_demo

    report_path = run_demo(
        predictions_per_day=predictions_per_day,
        days=days,
        seed=seed,
        scenario=scenario,
        stale_hours=stale_hours,
        steps=None if steps is None else _step_list(steps),
        output_dir=output_dir,
        project_dir=ctx.obj["project_dir"],
        profiles_dir=ctx.obj["profiles_dir"],
        target=demo_target or ctx.obj["target"],
        cli_vars=ctx.obj["vars"],
        db=ctx.obj["db"],
        echo=click.echo,
        progress=_progress_bar,
    )
    if report_path:
        click.echo(f"Report: {report_path}")


@cli.command("dbt-package")
def dbt_package() -> None:
    """Print the folder of the ml_monitor dbt package this CLI goes with.

    Install it in your dbt project with `- local: <this folder>` in packages.yml and
    `dbt deps`: the SQL models and the Python steps then come from the same release.
    """
    click.echo(package_root())


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A click progress bar fed by a step's update(done, total) callback (pipeline.Progress)."""
    with click.progressbar(length=1, label=label, file=None, show_pos=True) as bar:

        def update(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        yield update


def _load_model(spec: str):
    from .model import load_model

    return load_model(spec)


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
    except click.ClickException as exc:  # a usage error: one line too, not the usage banner
        click.echo(f"Error: {' '.join(exc.format_message().split())} (see --help)", err=True)
        sys.exit(1)
    except MonitorError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug or an unforeseen failure: one line, the traceback on request
        if isinstance(exc, RuntimeError) and str(exc).strip() == "Query interrupted":  # DuckDB's Ctrl-C
            click.echo("Interrupted; tables already written are intact.", err=True)
            sys.exit(130)
        if os.environ.get("ML_MONITOR_DEBUG"):
            raise
        detail = (str(exc).strip().splitlines() or [""])[0]
        click.echo(
            f"Error: {type(exc).__name__}: {detail} (unexpected; set ML_MONITOR_DEBUG=1 for the traceback)", err=True
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
