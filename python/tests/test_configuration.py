"""A configuration change never mixes tables: the incremental tables record the
configuration their rows were computed with (config_version), and a run with another one
recomputes them in full by itself, so it gives the tables a --full-refresh gives. Also: the
labels table's own column mapping (ml_monitor_label_columns).

The regressions of issue 12: swapping one feature for another showed the new feature with
the old one's nulls (null counts were stored by position); remapping confidence kept the
old column's statistics in old buckets (a false anomaly); a new default model id counted
the old model's rows as well (4,000 rows counted as 4,800).
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _tiny_project import build, canonical, output_tables, reference, serving_log, table, tiny_project, write_tables
from ml_monitor.errors import MonitorError

pytestmark = pytest.mark.slow  # dbt builds of a tiny project, one per configuration change

DAYS = 8  # more than the 3 buckets an incremental run recomputes
SELECT = (
    "+ml_monitor_null_fractions +int_ml_monitor__confidence +int_ml_monitor__feature_drift +ml_monitor_data_quality"
    " +int_ml_monitor__label_coverage"
)
VARS = {"ml_monitor_cohorts": ["country"], "ml_monitor_features": ["f_a", "f_b"]}


def _with_inputs(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A second confidence column and three features, each NULL in its own share of rows."""
    rng = np.random.default_rng(seed)
    n = len(frame)
    return frame.assign(
        score_b=rng.uniform(0.05, 0.5, n),
        f_a=np.where(rng.random(n) < 0.1, np.nan, rng.normal(10, 2, n)),
        f_b=np.where(rng.random(n) < 0.3, None, rng.choice(["x", "y", "z"], n)),
        f_c=np.where(rng.random(n) < 0.6, np.nan, rng.normal(0, 1, n)),
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A project built once with VARS, copied by each test."""
    project = tiny_project(tmp_path_factory.mktemp("configured"), **VARS)
    log = _with_inputs(serving_log(n_per_day=60, days=DAYS), seed=1)
    write_tables(project, predictions=log, reference=_with_inputs(reference(per_class=60), seed=2))
    build(project, SELECT, command="run")
    return project, log


def _copy(built_project, folder, **cli_vars):
    shutil.copytree(built_project.project_dir, folder, symlinks=True)
    return tiny_project(folder, cli_vars=cli_vars, **VARS)


CHANGES = {
    "swap a feature": {"ml_monitor_features": ["f_a", "f_c"]},
    "remap confidence": {"ml_monitor_columns": {"confidence": "score_b"}},
    "change the default model id": {"ml_monitor_default_model_id": "router"},
}


def _tables(project) -> dict[str, pd.DataFrame]:
    """The output tables, and the null fractions' view (its tests read it)."""
    return {
        **output_tables(project),
        "ml_monitor_null_fractions": canonical(table(project, "ml_monitor_null_fractions")),
    }


@pytest.fixture(scope="module")
def changed(built, tmp_path_factory):
    """changed(name): a copy of the built project run with one of CHANGES, dbt's output, its
    tables then, and its tables after a --full-refresh run in the same copy (the same vars
    and profile: dbt's parse of the first run serves the second); run once per change."""

    @functools.cache
    def run(name: str):
        project = _copy(built[0], tmp_path_factory.mktemp("incremental") / "project", **CHANGES[name])
        output = build(project, SELECT, command="run")
        incremental = _tables(project)
        build(project, SELECT, command="run --full-refresh")
        return output, incremental, _tables(project)

    return run


@pytest.mark.parametrize("change_name", CHANGES)
def test_a_configuration_change_recomputes_the_tables_in_full(built, changed, change_name):
    _, log = built
    change = CHANGES[change_name]
    output, incremental, full = changed(change_name)
    (name,) = change
    for changed_table in ("ml_monitor_base_stats", "ml_monitor_base_feature_values", "int_ml_monitor__feature_drift"):
        # a new feature list is also a new reference for the feature drift
        assert re.search(
            rf"ml_monitor: warning: {changed_table} was computed with another [^:]*\b{name}\b[^:]*: recomputing every bucket",
            output,
        ), changed_table
    assert set(incremental) == set(full)
    for name, frame in incremental.items():
        pd.testing.assert_frame_equal(frame, full[name], check_exact=False, rtol=1e-9, obj=name)
    counted = incremental["int_ml_monitor__confidence"].query(
        "cohort_name == '__all__' and predicted_class == '__all__'"
    )
    assert counted["n"].sum() == len(log) and set(counted["model_id"]) == {
        change.get("ml_monitor_default_model_id", "default")
    }


def test_null_counts_are_keyed_by_column_name(built, changed):
    """The swapped-in feature shows its own nulls in every bucket, not the old feature's."""
    _, log = built
    _, swapped, _ = changed("swap a feature")
    nulls = swapped["ml_monitor_null_fractions"].query("scope == 'bucket' and cohort_name == '__all__'")
    assert set(nulls["column_name"]) == {"country", "f_a", "f_c"}
    per_bucket = (
        log.assign(bucket=log["predicted_at"].dt.floor("D")).groupby("bucket")["f_c"].apply(lambda v: v.isna().sum())
    )
    f_c = nulls[nulls["column_name"] == "f_c"].set_index("bucket_start")["null_count"].sort_index()
    assert f_c.tolist() == per_bucket.tolist()


def test_labels_have_their_own_column_mapping(tmp_path):
    project = tiny_project(
        tmp_path / "labels",
        ml_monitor_columns={"prediction_id": "id"},
        ml_monitor_labels_table="ground_truth",
        ml_monitor_label_columns={"prediction_id": "pid", "label": "truth", "labeled_at": "at"},
    )
    log = serving_log(n_per_day=10, days=2).rename(columns={"prediction_id": "id"})
    labels = pd.DataFrame({"pid": log["id"][:5], "truth": "a", "at": log["predicted_at"][:5]})
    write_tables(project, predictions=log, reference=reference(), ground_truth=labels)
    build(project, "+stg_ml_monitor__labels", command="run")
    staged = table(project, "stg_ml_monitor__labels")
    assert sorted(staged["prediction_id"]) == sorted(labels["pid"]) and set(staged["label"]) == {"a"}
    write_tables(project, ground_truth=labels.drop(columns="at"))
    with pytest.raises(
        MonitorError, match=r"column 'at' \(from var ml_monitor_label_columns.labeled_at\) does not exist"
    ):
        build(project, "+stg_ml_monitor__labels", command="run")


def test_the_cli_finds_the_demo_database_without_db(monkeypatch):
    """`ml-monitor report` run from the package folder after `bin/demo` reads the demo's file."""
    from conftest import package_project
    from ml_monitor import demo

    monkeypatch.delenv("ML_MONITOR_DUCKDB_PATH", raising=False)
    assert Path(package_project().credentials["path"]).name == demo.DATABASE


def test_the_shipped_profile_is_the_last_resort(monkeypatch, tmp_path):
    """dbt's own places win (DBT_PROFILES_DIR, the current folder, ~/.dbt); where none has a
    profiles.yml the CLI uses the profile the demo ships with instead of failing."""
    from ml_monitor.config import Project, package_root

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Project.load(package_root() / "demo").profiles_dir == package_root() / "profiles"
    (tmp_path / ".dbt").mkdir()
    (tmp_path / ".dbt" / "profiles.yml").write_text("{}")
    assert Project.load(package_root() / "demo").profiles_dir is None
