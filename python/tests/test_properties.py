"""Property-based tests (hypothesis), each against a real dbt run:

- the SQL metrics (class drift, confidence statistics, null fractions) equal numpy/scipy on
  generated distributions: one class, one dominant class, all mass in a class the
  reference lacks, ties, confidences of exactly 0 and 1, buckets of one row and of tens of
  thousands; on DuckDB, on PostgreSQL when bin/test has started one, and on a local Spark
  session when pyspark and java are installed;
- hostile column names (spaces, quotes, reserved words, mixed case, unicode) mapped through
  ml_monitor_columns and used as cohorts, with hostile cohort values (quotes, unicode, line
  breaks, 500 characters) and a hostile model id: the build succeeds, every value comes back
  exactly, the report shows them as text;
- hostile values of the CLI's filters (--model-id, the holdout split) are bound parameters:
  a one-line "not found" error, never SQL.

dbt runs take seconds, so each property runs a handful of examples; an example holds several
models (every output is per model), so one dbt run checks several distributions.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import uuid

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, example, given, settings, strategies as st
from scipy.spatial.distance import jensenshannon

from _tiny_project import build, reference, serving_log, tiny_project, write_tables
from conftest import HAS_SPARK
from ml_monitor import cli as ml_monitor_cli
from ml_monitor.report import build_report
from ml_monitor.runner import _vars_argument
from ml_monitor.warehouse import Warehouse

def slow(max_examples: int) -> settings:
    """Few examples, no deadline, and no shrinking (each try is a dbt run): a failure is
    reported with the example as generated."""
    return settings(max_examples=max_examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                    phases=[Phase.explicit, Phase.generate])
START = pd.Timestamp("2024-05-01")
METRIC_MODELS = "+ml_monitor_class_drift +ml_monitor_confidence +ml_monitor_null_fractions"

TARGETS = ["duckdb"] + (["postgres"] if os.environ.get("ML_MONITOR_PG_PORT") else []) + (["spark"] if HAS_SPARK else [])


# --- generated distributions ---------------------------------------------------------------

CONFIDENCE_KINDS = ["uniform", "ties", "extremes"]


@st.composite
def distributions(draw) -> dict:
    """One model: reference label counts, serving class counts per bucket, how its
    confidences are drawn, and the share of NULLs in a column."""
    classes = [f"c{i}" for i in range(draw(st.integers(1, 4)))]
    ref_counts = draw(st.lists(st.integers(0, 60), min_size=len(classes), max_size=len(classes)).filter(any))
    serving = classes + (["unseen"] if draw(st.booleans()) else [])
    buckets = draw(st.lists(
        st.lists(st.integers(0, 300), min_size=len(serving), max_size=len(serving)).filter(any), min_size=1, max_size=3))
    return {
        "reference": dict(zip(classes, ref_counts)),
        "buckets": [dict(zip(serving, counts)) for counts in buckets],
        "confidence": draw(st.sampled_from(CONFIDENCE_KINDS)),
        "serving_nulls": draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
        "reference_nulls": draw(st.sampled_from([0.0, 0.2, 1.0])),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


EDGE_CASES = [
    # one class, in both
    {"reference": {"only": 30}, "buckets": [{"only": 25}], "confidence": "uniform",
     "serving_nulls": 0.0, "reference_nulls": 0.0, "seed": 1},
    # one dominant class, another never predicted
    {"reference": {"a": 20, "b": 20, "c": 20}, "buckets": [{"a": 950, "b": 50, "c": 0}], "confidence": "ties",
     "serving_nulls": 0.1, "reference_nulls": 0.2, "seed": 2},
    # all mass in a class the reference lacks
    {"reference": {"a": 10, "b": 10}, "buckets": [{"new": 40}, {"new": 3, "a": 1}], "confidence": "extremes",
     "serving_nulls": 1.0, "reference_nulls": 0.0, "seed": 3},
    # buckets of one and two rows (no sample variance for one), and a large one
    {"reference": {"a": 1, "b": 59}, "buckets": [{"a": 1, "b": 0}, {"a": 1, "b": 1}, {"a": 12000, "b": 13000}],
     "confidence": "uniform", "serving_nulls": 0.5, "reference_nulls": 1.0, "seed": 4},
]


def _confidences(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "ties":
        return rng.choice([0.25, 0.5, 0.75, 0.9], size=n)
    if kind == "extremes":
        return rng.choice([0.0, 1.0, 1e-12, 1 - 1e-12, 0.5], size=n)
    values = rng.uniform(0, 1, size=n)
    values[: max(1, n // 10)] = 1.0  # ties at the upper bound, always
    return values


def _tables(models: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    serving, ref = [], []
    for m, spec in enumerate(models):
        rng = np.random.default_rng(spec["seed"])
        model_id = f"m{m}"
        for b, counts in enumerate(spec["buckets"]):
            classes = np.repeat(list(counts), list(counts.values()))
            n = len(classes)
            serving.append(pd.DataFrame({
                "prediction_id": [f"{model_id}-{b}-{i}" for i in range(n)],
                "model_id": model_id,
                "predicted_at": START + pd.Timedelta(days=b) + pd.to_timedelta(rng.integers(0, 86400, n), unit="s"),
                "predicted_class": classes,
                "confidence": _confidences(spec["confidence"], n, rng),
                "segment": np.where(rng.uniform(size=n) < spec["serving_nulls"], None, rng.choice(["x", "y"], n)),
            }))
        labels = np.repeat(list(spec["reference"]), list(spec["reference"].values()))
        ref.append(pd.DataFrame({
            "model_id": model_id, "split": "train", "label": labels,
            "segment": np.where(rng.uniform(size=len(labels)) < spec["reference_nulls"], None, "x"),
        }))
    serving = pd.concat(serving, ignore_index=True)
    serving["segment"] = serving["segment"].astype(object)
    return serving, pd.concat(ref, ignore_index=True)


def _expected_drift(rows: pd.DataFrame, reference_labels: pd.Series) -> dict:
    q = reference_labels.value_counts(normalize=True)
    counts = rows["predicted_class"].value_counts()
    categories = sorted(set(q.index) | set(counts.index))
    n = counts.reindex(categories, fill_value=0).to_numpy(float)
    p = n / n.sum()
    q = q.reindex(categories, fill_value=0).to_numpy(float)
    ps, qs = np.where(p == 0, 1e-4, p), np.where(q == 0, 1e-4, q)
    seen = q > 0
    expected = q[seen] * n.sum()
    return {
        "n": n.sum(), "psi": np.sum((ps - qs) * np.log(ps / qs)), "js_distance": jensenshannon(p, q, base=2),
        "linf": np.max(np.abs(p - q)), "chi2_statistic": np.sum((n[seen] - expected) ** 2 / expected),
        "chi2_dof": seen.sum() - 1, "new_classes": int(((q == 0) & (n > 0)).sum()),
    }


def _cohorts(rows: pd.DataFrame):
    """(cohort_name, cohort_value, rows) for the whole population and each segment value."""
    yield "__all__", "__all__", rows
    for value, part in rows.groupby(rows["segment"].fillna("__null__")):
        yield "segment", value, part


def _close(got, expected, rel=1e-9, abs_=1e-12) -> bool:
    if expected is None or (isinstance(expected, float) and np.isnan(expected)):
        return got is None or pd.isna(got)
    return got == pytest.approx(expected, rel=rel, abs=abs_)


@pytest.fixture(scope="module", params=TARGETS)
def metric_project(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"metrics_{request.param}")
    schema = f"props_{uuid.uuid4().hex[:8]}"
    env = {"postgres": {"ML_MONITOR_PG_SCHEMA": schema},
           # a local session's warehouse and metastore in the test's folder, unless
           # ML_MONITOR_SPARK_DIR points somewhere else (a cluster's shared storage)
           "spark": {"ML_MONITOR_SPARK_SCHEMA": schema,
                     "ML_MONITOR_SPARK_DIR": os.environ.get("ML_MONITOR_SPARK_DIR") or str(folder / "spark")},
           }.get(request.param, {})
    project = tiny_project(folder, target=request.param, env=env, ml_monitor_cohorts=["segment"])
    yield project
    if request.param != "duckdb":
        with Warehouse.connect(project) as wh:
            for schema in (project.source_schema, project.output_schema):
                wh._execute(f"drop schema if exists {wh.quote(schema)} cascade")


def _load(project, **frames: pd.DataFrame) -> None:
    if project.target == "duckdb":
        write_tables(project, **frames)
        return
    with Warehouse.connect(project, create=True) as wh:
        for name, frame in frames.items():
            wh.replace_table(name, frame, schema=project.source_schema)


MODELS = st.lists(distributions(), min_size=1, max_size=4)


def test_sql_metrics_equal_numpy_and_scipy(metric_project):
    """The edge cases, then two generated examples. A dbt run on local Spark takes about a
    minute, so there one run checks the edge cases and generated models together."""
    def check(models):
        _check_sql_metrics(metric_project, models)

    if metric_project.target == "spark":
        slow(1)(given(models=MODELS.map(lambda generated: EDGE_CASES + generated))(check))()
    else:
        slow(2)(example(models=EDGE_CASES)(given(models=MODELS)(check)))()


def _check_sql_metrics(metric_project, models: list[dict]) -> None:
    serving, ref = _tables(models)
    _load(metric_project, predictions=serving, reference=ref)
    build(metric_project, METRIC_MODELS, command="run --full-refresh")
    with Warehouse.connect(metric_project) as wh:
        read = {t: wh.query(f"select * from {wh.relation(t)}") for t in
                ("ml_monitor_class_drift", "ml_monitor_confidence", "ml_monitor_null_fractions")}
    drift = read["ml_monitor_class_drift"].set_index(["model_id", "bucket_start", "cohort_name", "cohort_value"])
    confidence = read["ml_monitor_confidence"].set_index(
        ["model_id", "bucket_start", "cohort_name", "cohort_value", "predicted_class"])
    nulls = read["ml_monitor_null_fractions"]
    serving["bucket_start"] = serving["predicted_at"].dt.floor("D")
    checked = 0
    for (model_id, bucket), rows in serving.groupby(["model_id", "bucket_start"]):
        labels = ref.loc[ref.model_id == model_id, "label"]
        for cohort_name, cohort_value, part in _cohorts(rows):
            got = drift.loc[(model_id, bucket, cohort_name, cohort_value)]
            for metric, value in _expected_drift(part, labels).items():
                tolerance = 1e-7 if metric == "js_distance" else 1e-12  # a square root of rounding noise
                assert _close(float(got[metric]), value, abs_=tolerance), (model_id, bucket, cohort_value, metric)
            for cls, values in [("__all__", part["confidence"])] + list(part.groupby("predicted_class")["confidence"]):
                values = values.to_numpy(float)
                row = confidence.loc[(model_id, bucket, cohort_name, cohort_value, cls)]
                assert row["n"] == len(values)
                assert _close(float(row["mean_confidence"]), values.mean(), rel=1e-12)
                assert _close(row["var_confidence"], values.var(ddof=1) if len(values) > 1 else None, abs_=1e-15)
                assert (float(row["min_confidence"]), float(row["max_confidence"])) == (values.min(), values.max())
                for q in (10, 50, 90):
                    assert _close(float(row[f"p{q}_confidence"]), np.percentile(values, q), rel=1e-12), q
                checked += 1
        got = nulls[(nulls.model_id == model_id) & (nulls.scope == "bucket") & (pd.to_datetime(nulls.bucket_start) == bucket)]
        assert got["column_name"].tolist() == ["segment"]
        serving_fraction = rows["segment"].isna().mean()
        reference_fraction = ref.loc[ref.model_id == model_id, "segment"].isna().mean()
        assert _close(float(got["serving_null_fraction"].iloc[0]), serving_fraction)
        assert _close(float(got["reference_null_fraction"].iloc[0]), reference_fraction)
        assert _close(float(got["delta"].iloc[0]), serving_fraction - reference_fraction)
    assert checked and len(drift) == sum(1 for _ in serving.groupby(["model_id", "bucket_start"])) + len(
        serving.assign(v=serving["segment"].fillna("__null__")).groupby(["model_id", "bucket_start", "v"]))


# --- hostile identifiers and values ----------------------------------------------------------

CANONICAL = ["prediction_id", "predicted_at", "predicted_class", "confidence", "model_id", "model_version",
             "label", "split"]
HOSTILE_NAMES = ["my col", 'we"ird', "it's", "Select", "MixedCase", "order", "group by", "naïve 名前", "--",
                 "a; drop table x", "/* c */", "back\\slash", "{{ x }}", "%s", "?", "$1", "a.b", "`tick`", "[x]",
                 "line\nbreak", " padded "]
HOSTILE_VALUES = ["it's", 'say "hi"', "naïve 日本語 🙂", "line\nbreak", "x" * 500, "{{ var('x') }}", "back\\slash",
                  "--", "", "%s ?", "<script>alert(1)</script>", "' or '1'='1", "__all__ but not"]

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=24)
names = st.one_of(st.sampled_from(HOSTILE_NAMES), _text)
values = st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(st.characters(blacklist_categories=("Cs",),
                                                                            blacklist_characters="\x00"), max_size=80))


def _distinct(names: list[str]) -> bool:
    lowered = [n.lower() for n in names]
    return len(set(lowered)) == len(lowered) and not set(lowered) & set(CANONICAL) and all(n.strip() for n in names)


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


@slow(1)
@example(columns=["my col", "order", "Select", 'we"ird', "MixedCase", "it's cohort"],
         cohort_values=HOSTILE_VALUES, model_id="it's \"the\" model; --")
@given(columns=st.lists(names, min_size=6, max_size=6).filter(_distinct),
       cohort_values=st.lists(values, min_size=1, max_size=8, unique=True),
       model_id=values)
def test_hostile_names_and_values_round_trip(hostile_folder, columns, cohort_values, model_id):
    id_col, time_col, class_col, conf_col, cohort_a, cohort_b = columns
    log = serving_log(n_per_day=len(cohort_values) * 3, days=2, cohort=None)
    log[cohort_a] = [cohort_values[i % len(cohort_values)] for i in range(len(log))]
    log[cohort_b] = [None if i % 4 == 0 else cohort_values[-1 - i % len(cohort_values)] for i in range(len(log))]
    log = log.rename(columns={"prediction_id": id_col, "predicted_at": time_col, "predicted_class": class_col,
                              "confidence": conf_col})
    ref = reference(cohort=None).rename(columns={"predicted_class": class_col, "confidence": conf_col})
    ref[id_col] = [f"r{i}" for i in range(len(ref))]
    ref[cohort_a], ref[cohort_b] = cohort_values[0], ["z", None] * (len(ref) // 2)
    project = tiny_project(hostile_folder, cli_vars={
        "ml_monitor_columns": {"prediction_id": id_col, "predicted_at": time_col, "predicted_class": class_col,
                               "confidence": conf_col},
        "ml_monitor_cohorts": [cohort_a, cohort_b],
        "ml_monitor_default_model_id": model_id,
    })
    write_tables(project, predictions=log, reference=ref)
    build(project, "+ml_monitor_confidence +ml_monitor_null_fractions ml_monitor_schema_diff +ml_monitor_data_quality",
          command="run --full-refresh")
    with Warehouse.connect(project) as wh:
        conf = wh.query(f"select * from {wh.relation('ml_monitor_confidence')} where predicted_class = '__all__'")
        nulls = wh.query(f"select distinct column_name from {wh.relation('ml_monitor_null_fractions')}")
        schema = wh.query(f"select * from {wh.relation('ml_monitor_schema_diff')}")
        quality = wh.query(f"select * from {wh.relation('ml_monitor_data_quality')}")
        html = build_report(wh, project)
    expected = {("__all__", "__all__"): len(log)}
    for cohort in (cohort_a, cohort_b):
        for value, n in log[cohort].fillna("__null__").value_counts().items():
            expected[(cohort, value)] = n
    got = {(name, value): n for name, value, n in
           conf.groupby(["cohort_name", "cohort_value"])["n"].sum().reset_index().itertuples(index=False)}
    assert got == expected
    assert set(conf["model_id"]) == {model_id}
    assert sorted(nulls["column_name"]) == sorted([cohort_a, cohort_b])
    assert sorted(schema["column_name"]) == sorted([cohort_a, cohort_b])
    assert quality.empty
    for value in [*cohort_values, model_id, cohort_a, cohort_b]:
        if "<" in value:
            assert value not in html


@settings(max_examples=300, deadline=None, database=None)
@given(st.dictionaries(st.text(max_size=10), st.one_of(values, st.lists(values, max_size=3)), max_size=4))
def test_vars_reach_dbt_exactly(cli_vars):
    """dbt reads --vars as YAML: every character of every value survives the trip."""
    assert yaml.safe_load(_vars_argument(cli_vars)) == cli_vars


# --- hostile values of the CLI's filters -------------------------------------------------------

MODEL_MODULE = '''
import numpy as np


class Model:
    classes_ = np.array(["a", "b"])

    def predict_proba(self, texts):
        return np.tile([0.3, 0.7], (len(texts), 1))


def make():
    return Model()
'''


@pytest.fixture(scope="module")
def filter_project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("filters")
    project = tiny_project(folder, ml_monitor_text_column="ticket")
    log, ref = serving_log(), reference()
    log["ticket"], ref["ticket"] = "my order never arrived", "where is my refund"
    write_tables(project, predictions=log, reference=ref)
    build(project, "stg_ml_monitor__predictions stg_ml_monitor__reference", command="run")
    (folder / "filter_test_model.py").write_text(MODEL_MODULE)
    sys.path.insert(0, str(folder))
    yield project
    sys.path.remove(str(folder))


def _main(project, *args: str) -> tuple[int, str]:
    """`ml-monitor <args>` in this process: exit code and stderr."""
    argv, stderr = sys.argv, io.StringIO()
    sys.argv = ["ml-monitor", "--project-dir", str(project.project_dir), "--profiles-dir", str(project.profiles_dir), *args]
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            ml_monitor_cli.main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = argv
    return code, stderr.getvalue()


def _tables_and_rows(project) -> list:
    with Warehouse.connect(project) as wh:
        tables = wh.query("select table_schema, table_name from information_schema.tables order by 1, 2")
        rows = wh.query('select count(*) as n from "main"."predictions"')["n"].iloc[0]
    return [tables.values.tolist(), int(rows)]


@slow(25)
@example(value="x'); drop table main.predictions; --")
@example(value="default' or '1'='1")
@example(value="line\nbreak")
@given(value=values)
def test_cli_filters_are_bound_parameters(filter_project, value):
    assume(value != "default")
    before = _tables_and_rows(filter_project)
    for command in (["explain", "--model", "filter_test_model:make", f"--model-id={value}"],
                    ["perturb", "--model", "filter_test_model:make", f"--model-id={value}"]):
        code, stderr = _main(filter_project, *command)
        assert code == 1, stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and f"has no rows of model {value!r}" in lines[0]
    payload = json.dumps({"ml_monitor_holdout_split": value}, ensure_ascii=False)
    try:
        passes = yaml.safe_load(payload) == {"ml_monitor_holdout_split": value}
    except yaml.YAMLError:
        passes = False  # --vars refuses it as YAML, before any SQL
    if passes:
        code, stderr = _main(filter_project, "--vars", payload, "fit-thresholds")
        assert code == 1 and len(stderr.strip().splitlines()) == 1, stderr
        assert f"has no row with split = {value!r}: no holdout rows" in stderr
    assert _tables_and_rows(filter_project) == before


def test_a_hostile_model_id_through_the_real_cli(filter_project):
    import subprocess

    value = "x'); drop table main.predictions; --"
    result = subprocess.run(
        [sys.executable, "-m", "ml_monitor.cli", "--project-dir", str(filter_project.project_dir), "--profiles-dir",
         str(filter_project.profiles_dir), "perturb", "--model", "filter_test_model:make", "--model-id", value],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(filter_project.project_dir)})
    assert result.returncode == 1
    assert result.stderr.strip() == (f'Error: stg_ml_monitor__reference has no rows of model {value!r} '
                                     "(it has: 'default')")
    assert _tables_and_rows(filter_project)[1] == 90
