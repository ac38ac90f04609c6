"""`ml-monitor run` on a copy of the demo: every Python table is written, dbt picks up the
fitted thresholds and calibration, and the results say what the demo planted."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import ml_monitor
from ml_monitor import demo, runner
from ml_monitor.names import ALL


@pytest.mark.slow
def test_every_python_table_is_written(fitted_run):
    for table in [
        "ml_monitor_thresholds",
        "ml_monitor_calibration",
        "ml_monitor_embedding_projection",
        "ml_monitor_embedding_drift",
        "ml_monitor_explanations",
        "ml_monitor_class_explanations",
        "ml_monitor_perturbation_checks",
    ]:
        assert len(fitted_run.table(table)) > 0, table


@pytest.mark.slow
def test_threshold_bands_use_the_fitted_thresholds(fitted_run):
    fitted = fitted_run.table("ml_monitor_thresholds").set_index("predicted_class")["threshold"]
    bands = fitted_run.table("ml_monitor_threshold_bands")
    assert set(bands["threshold_source"]) == {"fitted"}
    used = bands.groupby("predicted_class")["threshold"].agg(["min", "max"])
    assert (used["min"] == used["max"]).all()
    pd.testing.assert_series_equal(used["min"].sort_index(), fitted.sort_index(), check_names=False)
    # band counts follow the new threshold
    raw = fitted_run.raw()
    day = fitted_run.day(12)
    rows = raw[(raw.predicted_at >= day) & (raw.predicted_at < day + pd.Timedelta(days=1))]
    t = rows["predicted_class"].map(fitted)
    expected = (
        np.floor((rows["confidence"] - t) / 0.05)
        .astype(int)
        .groupby([rows["predicted_class"], np.floor((rows["confidence"] - t) / 0.05).astype(int)])
        .size()
    )
    got = bands[(bands.bucket_start == day) & (bands.cohort_name == ALL)].set_index(["predicted_class", "band"])["n"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()


@pytest.mark.slow
def test_estimated_accuracy_tracks_realised_and_drops_after_typing(fitted_run):
    perf = fitted_run.table("ml_monitor_estimated_performance")
    population = perf[perf.cohort_name == ALL].set_index("bucket_start").sort_index()
    assert set(population["calibration_source"]) == {"isotonic"}
    stable = population[population.index < fitted_run.day(demo.CLASS_SHIFT_DAY)]
    labelled = stable[stable.n_labeled > 0]
    a = labelled["realized_accuracy"]
    realised_noise = 3 * np.sqrt(a * (1 - a) / labelled["n_labeled"])
    assert (
        np.abs(labelled["estimated_accuracy"] - a)
        <= (labelled["upper"] - labelled["estimated_accuracy"]) + realised_noise
    ).all()
    assert not stable["is_alert"].any()
    typed = population[population.index >= fitted_run.day(demo.TYPING_DAY)]
    assert typed["estimated_accuracy"].mean() < stable["estimated_accuracy"].mean() - 0.03
    assert typed["is_alert"].all()


@pytest.mark.slow
def test_embedding_drift_rises_with_the_typing_drift(fitted_run):
    drift = fitted_run.table("ml_monitor_embedding_drift")
    drift["after"] = pd.to_datetime(drift["window_start"]) >= fitted_run.day(demo.TYPING_DAY)
    by_class = drift.groupby(["class", "after"])["domain_auc"].mean().unstack()
    assert (by_class[True] > by_class[False] + 0.15).all()
    assert not drift[~drift["after"]]["is_drift"].fillna(False).any()
    projection = fitted_run.table("ml_monitor_embedding_projection")
    assert np.isfinite(projection[["x", "y"]].to_numpy()).all()


@pytest.mark.slow
def test_lime_class_tokens_are_the_generators_keywords(fitted_run):
    weights = fitted_run.table("ml_monitor_class_explanations")
    for cls, keywords in demo.CLASS_KEYWORDS.items():
        top = weights[weights.explained_class == cls].nlargest(15, "mean_weight")["feature"].str.lower()
        assert set(top) & set(keywords), (cls, list(top))


@pytest.mark.slow
def test_typos_flip_more_than_whitespace(fitted_run):
    checks = fitted_run.table("ml_monitor_perturbation_checks")
    assert checks["flip_rate"].between(0, 1).all()
    overall = checks[checks.predicted_class == ALL].set_index("perturbation")["flip_rate"]
    assert overall["typos"] > overall["whitespace"]


@pytest.mark.slow
def test_alerts_include_the_python_steps(fitted_run):
    alerts = fitted_run.table("ml_monitor_alerts")
    assert "embedding_drift" in set(alerts.alert_type)
    first = alerts[alerts.alert_type == "embedding_drift"]["bucket_start"].min()
    assert first >= fitted_run.day(demo.TYPING_DAY) - pd.Timedelta(days=7)


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "ml_monitor.cli", *args], capture_output=True, text=True, env=env)


def test_cli_help_explains_every_command():
    from ml_monitor import cli

    result = _cli("--help")
    assert result.returncode == 0
    for command in [
        "demo",
        "run",
        "build",
        "fit-thresholds",
        "project",
        "multivariate",
        "explain",
        "perturb",
        "report",
    ]:
        assert command in result.stdout
        # in this process: the entry point ran above, a process per command adds only start-up
        sub = CliRunner().invoke(cli.cli, [command, "--help"], prog_name="ml-monitor")
        assert sub.exit_code == 0 and len(sub.output.splitlines()) > 5, command


def test_cli_defaults_are_the_library_functions_own():
    """An option without a default of its own takes the keyword default of the library
    function it goes to: each names a parameter that has one."""
    from ml_monitor import cli

    borrowed = {
        (name, option.name): option.get_default(None)
        for name, command in cli.cli.commands.items()
        for option in command.params
        if isinstance(option, cli._LibraryDefault)
    }
    assert ("demo", "predictions_per_day") in borrowed and ("perturb", "tolerance") in borrowed
    assert inspect.Parameter.empty not in borrowed.values(), borrowed


@pytest.mark.slow
def test_cli_errors_are_one_line(fitted_run, tmp_path, capfd):
    result = ml_monitor(
        capfd,
        "--db",
        str(fitted_run.db_path),
        "--project-dir",
        str(fitted_run.project.project_dir),
        "explain",
        "--model",
        str(tmp_path / "missing.joblib"),
    )
    assert result.code == 1
    assert result.err.strip().startswith("Error:") and len(result.err.strip().splitlines()) == 1
    assert "Traceback" not in result.err


def test_dbt_progress_names_each_model_as_it_finishes(demo_run, dbt_process):
    """dbt's output read line by line from its process, as the CLI runs it."""
    lines = []
    runner.build(demo_run.project, select="ml_monitor_reference_sizes", progress=lines.append)
    # its tests pass, and passing tests are not listed
    assert len(lines) == 1 and re.fullmatch(r"\[1/\d+\] ml_monitor_reference_sizes OK [\d.]+s", lines[0]), lines
