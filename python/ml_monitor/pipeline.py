"""`ml-monitor run`: the fit on the staged holdout, dbt build, then the other Python steps,
then the dbt models that read their tables, in that order; and the short summary the demo
prints.

Each Python step opens the warehouse, writes its tables (atomic swaps) and closes it before
dbt runs again, because an embedded DuckDB file admits one writing process at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from . import names, runner
from .config import Project
from .errors import MonitorError
from .warehouse import Warehouse

STEPS = ("build", "fit-thresholds", "project", "multivariate", "explain", "perturb", "report", "notify")
# dbt models that read the Python steps' tables, rebuilt after those steps
AFTER_FIT = "ml_monitor_fitted_thresholds+ ml_monitor_fitted_calibration+"
AFTER_STEPS = "ml_monitor_alert_tests+"


@contextmanager
def warehouse(project: Project) -> Iterator[Warehouse]:
    with Warehouse.connect(project) as wh:
        yield wh


# How a long step shows progress: progress(label) opens a display and yields the callback
# update(done, total) the step calls; the CLI passes progress bars, a library caller may pass
# its own, and the default shows nothing.
Progress = Callable[[str], AbstractContextManager[Callable[[int, int], None]]]


@contextmanager
def no_progress(label: str) -> Iterator[Callable[[int, int], None]]:
    yield lambda done, total: None


def fit_thresholds(project: Project, objective: str = "f1", min_precision=None, min_recall=None) -> dict:
    from . import thresholds

    with warehouse(project) as wh:
        return thresholds.run(wh, project, objective, min_precision, min_recall)


def project_embeddings(project: Project, model=None, progress: Progress = no_progress, **options) -> tuple:
    from . import projection  # umap compiles on import: load it only when the step runs

    with warehouse(project) as wh, progress("UMAP per class") as update:
        return projection.run(wh, project, model, progress=update, **options)


def multivariate_drift(project: Project, progress: Progress = no_progress, **options):
    from . import multivariate

    with warehouse(project) as wh, progress("Multivariate drift per window") as update:
        return multivariate.run(wh, project, progress=update, **options)


def explain(project: Project, model, progress: Progress = no_progress, **options) -> tuple:
    from . import explain as lime_explain

    with warehouse(project) as wh, progress("LIME explanations") as update:
        return lime_explain.run(wh, project, model, progress=update, **options)


def perturb(project: Project, model, progress: Progress = no_progress, **options):
    from . import perturb as checks

    with warehouse(project) as wh, progress("Perturbation checks") as update:
        return checks.run(wh, project, model, progress=update, **options)


def report(project: Project, output: str | Path) -> Path:
    from .report import write_report

    with warehouse(project) as wh:
        return write_report(wh, output)


def notify(
    project: Project,
    urls=(),
    report_url: str | None = None,
    digest: bool = False,
    dry_run: bool = False,
    echo: Callable[[str], None] = print,
):
    """Send each channel (Apprise URLs) the incidents that are new, escalated or resolved for it."""
    from . import notify as notifications

    channels = notifications.channels(urls)
    if not channels:
        raise MonitorError("notify: no channel: give --url (repeatable) or set ML_MONITOR_NOTIFY_URLS")
    with warehouse(project) as wh:
        return notifications.run(wh, channels, report_url, digest, dry_run, echo)


def run(
    project: Project,
    model_spec: str | None,
    steps=STEPS,
    report_path: str | Path = "ml_monitor_report.html",
    full_refresh: bool = False,
    echo: Callable[[str], None] = print,
    notify_urls=(),
    report_url: str | None = None,
    notify_digest: bool = False,
    progress: Progress = no_progress,
) -> Path | None:
    """Every selected step in dependency order. Steps that need a model are skipped, with a
    message, when no model is given (projection can still run from an embedding column).
    The notify step comes last, so that its messages can link to the new report."""
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        raise MonitorError(f"unknown step(s) {', '.join(unknown)}; choose from {', '.join(STEPS)}")
    model = None
    if model_spec and {"project", "explain", "perturb"} & set(steps):
        from .model import load_model

        model = load_model(model_spec)
    if "build" in steps:
        runner.deps(project)
    if "fit-thresholds" in steps:
        if "build" in steps:
            # fit first, on the staged holdout alone, so that one build uses the new fit
            echo("dbt run: the staged reference the fit reads")
            runner.dbt(project, ["run", "--select", names.REFERENCE])
        summary = fit_thresholds(project)
        echo(
            f"fit-thresholds: {summary['thresholds']} thresholds, {summary['calibrated_groups']} calibrations "
            f"from {summary['holdout_rows']} holdout rows"
        )
    if "build" in steps:
        echo("dbt build: SQL monitors and their tests")
        runner.build(project, full_refresh=full_refresh, progress=lambda line: echo(f"  {line}"))
    elif "fit-thresholds" in steps:
        echo("dbt build: models that use the fitted thresholds and calibration")
        runner.build(project, select=AFTER_FIT)
    python_steps = 0
    if "project" in steps:
        if model is None and not project.var("ml_monitor_embedding_column"):
            echo("project: skipped (no --model and no ml_monitor_embedding_column)")
        else:
            _, drift = project_embeddings(project, model, progress)
            echo(f"project: {int(drift['is_drift'].fillna(False).sum())} of {len(drift)} class windows drifted")
            python_steps += 1
    if "multivariate" in steps:
        if not project.var("ml_monitor_features"):
            echo("multivariate: skipped (no ml_monitor_features)")
        else:
            drift = multivariate_drift(project, progress)
            echo(f"multivariate: {int(drift['is_drift'].fillna(False).sum())} of {len(drift)} windows drifted")
            python_steps += 1
    for step, function in (("explain", explain), ("perturb", perturb)):
        if step in steps:
            if model is None:
                echo(f"{step}: skipped (needs --model)")
                continue
            function(project, model, progress)
            echo(f"{step}: done")
            python_steps += 1
    if python_steps:
        echo("dbt build: alerts of the Python steps")
        runner.build(project, select=AFTER_STEPS)
    path = report(project, report_path) if "report" in steps else None
    if "notify" in steps:
        if any(url.strip() for url in notify_urls):
            notify(project, notify_urls, report_url, notify_digest, echo=echo)
        else:
            echo("notify: skipped (no channel: --notify-url or ML_MONITOR_NOTIFY_URLS)")
    return path


def summarize(project: Project) -> list[str]:
    """The incidents first, one line each (the most recent first, as the report lists them),
    then one line per kind of alert: how many, since when, where."""
    from .report import INCIDENT_ORDER

    listed = 20  # incidents, the most recent first (the report lists more)
    with warehouse(project) as wh:
        if not wh.table_exists(names.ALERTS):
            return ["no alerts table yet: run dbt build"]
        # an older build has no incidents table: its summary is the alerts alone
        incidents = (
            wh.query(f"select * from {wh.relation(names.INCIDENTS)} order by {INCIDENT_ORDER}")
            if wh.table_exists(names.INCIDENTS)
            else None
        )
        q = wh.quote
        alerts = wh.query(
            f"select {q('alert_type')} as alert_type, {q('bucket_start')} as bucket_start, "
            f"{q('cohort_name')} as cohort_name, {q('cohort_value')} as cohort_value, "
            f"{q('subject')} as subject, {q('severity')} as severity from {wh.relation(names.ALERTS)}"
        )
    lines = []
    if incidents is not None:
        lines.append(
            f"incidents ({len(incidents)}, {int((incidents['status'] == 'open').sum())} open):"
            if len(incidents)
            else "no incidents"
        )
        for i in incidents.head(listed).itertuples(index=False):
            lines.append(f"  {i.severity:<8} {i.status:<8} {i.title}")  # a title begins with its onset
        if len(incidents) > listed:
            lines.append(f"  … and {len(incidents) - listed} more in the report")
    if alerts.empty:
        return lines + ["no alerts"]
    lines.append("alerts by type:")
    for alert_type, group in alerts.groupby("alert_type", sort=True):
        first = group["bucket_start"].min()
        since = f" from {first:%Y-%m-%d}" if first == first and first is not None else ""
        cohorts = group[group["cohort_name"] != names.ALL]
        where = sorted({f"{c}={v}" for c, v in zip(cohorts["cohort_name"], cohorts["cohort_value"])})
        subjects = sorted({s for s in group["subject"] if s not in (names.ALL, "class_mix")})
        detail = ", ".join(
            filter(
                None,
                [
                    ("in " + ", ".join(where[:4]) + (" …" if len(where) > 4 else "")) if where else "",
                    ("on " + ", ".join(subjects[:4]) + (" …" if len(subjects) > 4 else "")) if subjects else "",
                ],
            )
        )
        critical = int((group["severity"] == "critical").sum())
        lines.append(
            f"  {alert_type}: {len(group)} alert(s){since}"
            + (f" {detail}" if detail else "")
            + (f" ({critical} critical)" if critical else "")
        )
    return lines
