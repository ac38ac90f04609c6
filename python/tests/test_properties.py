"""Property-based tests (hypothesis), each against a real dbt run:

- the SQL metrics (class drift, confidence statistics, null fractions, feature KS) equal
  numpy/scipy on generated distributions: one class, one dominant class, all mass in a
  class the reference lacks, ties, confidences of exactly 0 and 1, buckets of one row and
  of tens of thousands; with bad input mixed in — NaN and ±Infinity feature values (read
  as missing), rows dated decades back or in the future (excluded), duplicated and
  conflicting labels, labels of unknown predictions and classes, cohort values that look
  like ml_monitor's reserved ones — each counted in ml_monitor_data_quality as the README
  says, and no monitoring number NaN or infinite; on DuckDB, on PostgreSQL when bin/test
  has started one, and on a local Spark session when pyspark and java are installed;
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

import json
import os
import sys
import uuid

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp

from _tiny_project import (
    build,
    cli_in_process,
    double_type,
    non_finite_numbers,
    reference,
    serving_log,
    spark_in_this_process,
    tiny_project,
    write_tables,
)
from conftest import HAS_SPARK
from ml_monitor.config import _vars_argument
from ml_monitor.names import ALL, NULL
from ml_monitor.report import build_report
from ml_monitor.warehouse import Warehouse


def slow(max_examples: int) -> settings:
    """Few examples, no deadline, and no shrinking (each try is a dbt run): a failure is
    reported with the example as generated."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )


START = pd.Timestamp("2024-05-01")
# The monitors' statistics (their int_ tables; the public views add the alert decision of
# ml_monitor_alert_tests, whose chain reads every monitor: built on every alert source, it
# would double the run, most of all on Spark), the spine and the chosen labels.
METRIC_TABLES = [
    "int_ml_monitor__class_drift",
    "int_ml_monitor__confidence",
    "int_ml_monitor__null_fractions",
    "int_ml_monitor__feature_drift",
    "int_ml_monitor__data_quality",
    "ml_monitor_bucket_spine",
    "stg_ml_monitor__labels",
]
METRIC_MODELS = " ".join("+" + name for name in METRIC_TABLES)

TARGETS = ["duckdb"] + (["postgres"] if os.environ.get("ML_MONITOR_PG_PORT") else []) + (["spark"] if HAS_SPARK else [])


# --- generated distributions ---------------------------------------------------------------

CONFIDENCE_KINDS = ["uniform", "ties", "extremes"]
# cohort values that look like the reserved '__all__' and '__null__' but are not: kept as they are
SENTINEL_LIKE = ["__ALL__", "__all__ ", " __null__", "__null", "__all__x"]
# predicted_at outliers: placeholder dates before ml_monitor_min_predicted_at, and the far future
OUTLIER_TIMES = [pd.Timestamp("1970-01-01"), pd.Timestamp("1999-12-31 23:59:59"), pd.Timestamp("2124-05-01")]


@st.composite
def distributions(draw) -> dict:
    """One model: reference label counts, serving class counts per bucket, how its
    confidences are drawn, the share of NULLs in a column, and how much bad input is
    mixed in (non-finite feature values, predicted_at outliers, messy labels)."""
    classes = [f"c{i}" for i in range(draw(st.integers(1, 4)))]
    ref_counts = draw(st.lists(st.integers(0, 60), min_size=len(classes), max_size=len(classes)).filter(any))
    serving = classes + (["unseen"] if draw(st.booleans()) else [])
    buckets = draw(
        st.lists(
            st.lists(st.integers(0, 300), min_size=len(serving), max_size=len(serving)).filter(any),
            min_size=1,
            max_size=3,
        )
    )
    return {
        "reference": dict(zip(classes, ref_counts)),
        "buckets": [dict(zip(serving, counts)) for counts in buckets],
        "confidence": draw(st.sampled_from(CONFIDENCE_KINDS)),
        "serving_nulls": draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
        "reference_nulls": draw(st.sampled_from([0.0, 0.2, 1.0])),
        "segment_values": draw(
            st.lists(st.sampled_from(["x", "y", *SENTINEL_LIKE]), min_size=2, max_size=2, unique=True)
        ),
        "not_finite": draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
        "outliers": draw(st.lists(st.sampled_from(OUTLIER_TIMES), max_size=3)),
        "labels": draw(st.sampled_from([0.0, 0.3, 1.0])),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


EDGE_CASES = [
    # one class, in both; every feature value NaN or infinite; a row dated 1970
    {
        "reference": {"only": 30},
        "buckets": [{"only": 25}],
        "confidence": "uniform",
        "serving_nulls": 0.0,
        "reference_nulls": 0.0,
        "segment_values": ["__ALL__", "x"],
        "not_finite": 1.0,
        "outliers": [OUTLIER_TIMES[0]],
        "labels": 1.0,
        "seed": 1,
    },
    # one dominant class, another never predicted
    {
        "reference": {"a": 20, "b": 20, "c": 20},
        "buckets": [{"a": 950, "b": 50, "c": 0}],
        "confidence": "ties",
        "serving_nulls": 0.1,
        "reference_nulls": 0.2,
        "segment_values": ["x", "y"],
        "not_finite": 0.1,
        "outliers": [],
        "labels": 0.3,
        "seed": 2,
    },
    # all mass in a class the reference lacks
    {
        "reference": {"a": 10, "b": 10},
        "buckets": [{"new": 40}, {"new": 3, "a": 1}],
        "confidence": "extremes",
        "serving_nulls": 1.0,
        "reference_nulls": 0.0,
        "segment_values": [" __null__", "__all__x"],
        "not_finite": 0.0,
        "outliers": OUTLIER_TIMES[1:],
        "labels": 0.0,
        "seed": 3,
    },
    # buckets of one and two rows (no sample variance for one), and a large one
    {
        "reference": {"a": 1, "b": 59},
        "buckets": [{"a": 1, "b": 0}, {"a": 1, "b": 1}, {"a": 12000, "b": 13000}],
        "confidence": "uniform",
        "serving_nulls": 0.5,
        "reference_nulls": 1.0,
        "segment_values": ["x", "y"],
        "not_finite": 0.5,
        "outliers": [OUTLIER_TIMES[0]] * 2,
        "labels": 1.0,
        "seed": 4,
    },
]


def _confidences(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "ties":
        return rng.choice([0.25, 0.5, 0.75, 0.9], size=n)
    if kind == "extremes":
        return rng.choice([0.0, 1.0, 1e-12, 1 - 1e-12, 0.5], size=n)
    values = rng.uniform(0, 1, size=n)
    values[: max(1, n // 10)] = 1.0  # ties at the upper bound, always
    return values


NOT_FINITE = ["NaN", "Infinity", "-Infinity"]


def _feature(n: int, nulls: float, not_finite: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A numeric feature as loaded: `amount`, NaN where missing (loaded as NULL) or not
    finite, and `amount_bad`, the non-finite value as text ('NaN', 'Infinity',
    '-Infinity') that _load writes into the column (pandas would load a NaN as NULL)."""
    amount = rng.normal(100, 30, n).round(1)  # rounded: ties
    bad = np.where(rng.uniform(size=n) < not_finite, rng.choice(NOT_FINITE, n), None)
    amount[pd.notna(bad) | (rng.uniform(size=n) < nulls)] = np.nan
    return amount, bad


def _labels(model_id: str, kept: pd.DataFrame, classes: list[str], share: float, rng) -> pd.DataFrame:
    """Late labels for a share of the model's predictions, one to three each, with ties and
    NULL labeled_at, labels outside the model's classes; and rows that cannot be used: a
    NULL label, a NULL prediction_id, an id the log does not hold."""
    if share == 0:
        return pd.DataFrame(columns=["prediction_id", "label", "labeled_at"])
    ids = kept["prediction_id"][rng.uniform(size=len(kept)) < share].to_numpy()
    ids = np.repeat(ids, rng.integers(1, 4, len(ids)))
    times = [pd.NaT, START + pd.Timedelta(days=9), START + pd.Timedelta(days=9), START + pd.Timedelta(days=10)]
    frame = pd.DataFrame(
        {
            "prediction_id": ids,
            "label": rng.choice([*classes, "never-a-class"], len(ids)),
            "labeled_at": pd.to_datetime([times[i] for i in rng.integers(0, len(times), len(ids))]),
        }
    )
    unusable = pd.DataFrame(
        {
            "prediction_id": [ids[0] if len(ids) else None, None, f"{model_id}-ghost"],
            "label": [None, classes[0], classes[0]],
            "labeled_at": [times[1]] * 3,
        }
    )
    return pd.concat([frame, unusable], ignore_index=True)


def _tables(models: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The serving log (with `kept`: not excluded as a predicted_at outlier), the reference
    and the labels table."""
    serving, ref, labels = [], [], []
    for m, spec in enumerate(models):
        rng = np.random.default_rng(spec["seed"])
        model_id = f"m{m}"
        segments = spec["segment_values"]
        rows = []
        for b, counts in enumerate(spec["buckets"]):
            classes = np.repeat(list(counts), list(counts.values()))
            n = len(classes)
            rows.append(
                pd.DataFrame(
                    {
                        "prediction_id": [f"{model_id}-{b}-{i}" for i in range(n)],
                        "predicted_at": START
                        + pd.Timedelta(days=b)
                        + pd.to_timedelta(rng.integers(0, 86400, n), unit="s"),
                        "predicted_class": classes,
                        "confidence": _confidences(spec["confidence"], n, rng),
                        "kept": True,
                    }
                )
            )
        outliers = spec["outliers"]
        rows.append(
            pd.DataFrame(
                {
                    "prediction_id": [f"{model_id}-outlier-{i}" for i in range(len(outliers))],
                    "predicted_at": pd.to_datetime(outliers),
                    "predicted_class": list(spec["buckets"][0])[0],
                    "confidence": 0.5,
                    "kept": False,
                }
            )
        )
        rows = pd.concat(rows, ignore_index=True).assign(model_id=model_id)
        n = len(rows)
        rows["segment"] = np.where(rng.uniform(size=n) < spec["serving_nulls"], None, rng.choice(segments, n))
        rows["amount"], rows["amount_bad"] = _feature(n, spec["serving_nulls"] / 2, spec["not_finite"], rng)
        serving.append(rows)
        reference_labels = np.repeat(list(spec["reference"]), list(spec["reference"].values()))
        n = len(reference_labels)
        amount, amount_bad = _feature(n, spec["reference_nulls"] / 2, spec["not_finite"] / 2, rng)
        ref.append(
            pd.DataFrame(
                {
                    "model_id": model_id,
                    "split": "train",
                    "label": reference_labels,
                    "segment": np.where(rng.uniform(size=n) < spec["reference_nulls"], None, segments[0]),
                    "amount": amount,
                    "amount_bad": amount_bad,
                }
            )
        )
        labels.append(_labels(model_id, rows[rows["kept"]], list(spec["reference"]), spec["labels"], rng))
    serving = pd.concat(serving, ignore_index=True)
    for frame in (serving, *ref):
        frame["segment"] = frame["segment"].astype(object)
    labels = pd.concat(labels, ignore_index=True)
    labels["labeled_at"] = pd.to_datetime(labels["labeled_at"])
    return serving, pd.concat(ref, ignore_index=True), labels


def _expected_drift(rows: pd.DataFrame, reference_labels: pd.Series) -> dict:
    reference = reference_labels.value_counts()
    counts = rows["predicted_class"].value_counts()
    categories = sorted(set(reference.index) | set(counts.index))
    n = counts.reindex(categories, fill_value=0).to_numpy(float)
    r = reference.reindex(categories, fill_value=0).to_numpy(float)
    p, q = n / n.sum(), r / r.sum()
    ps, qs = np.where(p == 0, 1e-4, p), np.where(q == 0, 1e-4, q)
    either = n + r > 0
    return {
        "n": n.sum(),
        "psi": np.sum((ps - qs) * np.log(ps / qs)),
        "js_distance": jensenshannon(p, q, base=2),
        "linf": np.max(np.abs(p - q)),
        # the two-sample (2 x K contingency) chi-square
        "chi2_statistic": n.sum() * r.sum() * np.sum((p - q)[either] ** 2 / (n + r)[either]),
        "chi2_dof": either.sum() - 1,
        "new_classes": int(((q == 0) & (n > 0)).sum()),
    }


def _cohorts(rows: pd.DataFrame):
    """(cohort_name, cohort_value, rows) for the whole population and each segment value."""
    yield ALL, ALL, rows
    for value, part in rows.groupby(rows["segment"].fillna(NULL)):
        yield "segment", value, part


def _close(got, expected, rel=1e-9, abs_=1e-12) -> bool:
    if expected is None or (isinstance(expected, float) and np.isnan(expected)):
        return got is None or pd.isna(got)
    return got == pytest.approx(expected, rel=rel, abs=abs_)


@pytest.fixture(scope="module", params=TARGETS)
def metric_project(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"metrics_{request.param}")
    schema = f"props_{uuid.uuid4().hex[:8]}"
    env = {
        "postgres": {"ML_MONITOR_PG_SCHEMA": schema},
        # dbt runs in the worker's session (build(in_process=True))
        "spark": {"ML_MONITOR_SPARK_SCHEMA": schema, **spark_in_this_process(tmp_path_factory)},
    }.get(request.param, {})
    project = tiny_project(
        folder,
        target=request.param,
        env=env,
        ml_monitor_cohorts=["segment"],
        ml_monitor_features=["amount"],
        ml_monitor_labels_table="labels",
    )
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


def _load_with_non_finite(project, **frames: pd.DataFrame) -> None:
    """Load the frames; where one has `amount_bad`, load it raw and write the table from it
    with the text cast into `amount` (pandas would load a NaN as NULL), without the test's
    own columns."""
    raw = {name + "_raw" if "amount_bad" in frame else name: frame for name, frame in frames.items()}
    _load(project, **raw)
    with Warehouse.connect(project) as wh:
        double = double_type(project.adapter_type)
        for name, frame in frames.items():
            if "amount_bad" in frame:
                table, q = wh.relation(name, project.source_schema), wh.quote
                columns = ", ".join(q(c) for c in frame.columns if c not in ("amount", "amount_bad", "kept"))
                # PostgreSQL: the last run's staging views depend on it (the next run recreates them)
                wh._execute(
                    f"drop table if exists {table}" + (" cascade" if project.adapter_type == "postgres" else "")
                )
                wh._execute(
                    f"create table {table} as select {columns}, coalesce(cast({q('amount_bad')} as {double}),"
                    f" {q('amount')}) as {q('amount')} from {wh.relation(name + '_raw', project.source_schema)}"
                )


MODELS = st.lists(distributions(), min_size=1, max_size=4)


@pytest.mark.slow
def test_sql_metrics_equal_numpy_and_scipy(metric_project):
    """The edge cases together with generated models (an example holds several models, and
    a dbt run costs seconds): two runs, one on local Spark (a dbt run there takes about a
    minute)."""

    def check(models):
        _check_sql_metrics(metric_project, models)

    slow(1 if metric_project.target == "spark" else 2)(
        given(models=MODELS.map(lambda generated: EDGE_CASES + generated))(check)
    )()


def _check_sql_metrics(metric_project, models: list[dict]) -> None:
    serving, ref, labels = _tables(models)
    _load_with_non_finite(metric_project, predictions=serving, reference=ref, labels=labels)
    build(
        metric_project, METRIC_MODELS, command="run --full-refresh", in_process=metric_project.adapter_type == "spark"
    )
    with Warehouse.connect(metric_project) as wh:
        read = {t: wh.query(f"select * from {wh.relation(t)}") for t in METRIC_TABLES}
        non_finite = {t: non_finite_numbers(wh, t, metric_project.adapter_type) for t in METRIC_TABLES}
    assert not any(non_finite.values()), non_finite  # no monitoring number is NaN or infinite
    serving["bucket_start"] = serving["predicted_at"].dt.floor("D")
    kept = serving[serving["kept"]]
    _check_metrics(read, kept, ref)
    _check_bad_input(read, serving, ref, labels)


def _check_metrics(read: dict, serving: pd.DataFrame, ref: pd.DataFrame) -> None:
    """Class drift, confidence statistics and null fractions against numpy/scipy, on the
    rows the monitors keep."""
    drift = read["int_ml_monitor__class_drift"].set_index(["model_id", "bucket_start", "cohort_name", "cohort_value"])
    confidence = read["int_ml_monitor__confidence"].set_index(
        ["model_id", "bucket_start", "cohort_name", "cohort_value", "predicted_class"]
    )
    nulls = read["int_ml_monitor__null_fractions"]
    checked = 0
    for (model_id, bucket), rows in serving.groupby(["model_id", "bucket_start"]):
        model_ref = ref[ref.model_id == model_id]
        for cohort_name, cohort_value, part in _cohorts(rows):
            got = drift.loc[(model_id, bucket, cohort_name, cohort_value)]
            for metric, value in _expected_drift(part, model_ref["label"]).items():
                tolerance = 1e-7 if metric == "js_distance" else 1e-12  # a square root of rounding noise
                assert _close(float(got[metric]), value, abs_=tolerance), (model_id, bucket, cohort_value, metric)
            for cls, values in [(ALL, part["confidence"])] + list(part.groupby("predicted_class")["confidence"]):
                values = values.to_numpy(float)
                row = confidence.loc[(model_id, bucket, cohort_name, cohort_value, cls)]
                assert row["n"] == len(values)
                assert _close(float(row["mean_confidence"]), values.mean(), rel=1e-12)
                assert _close(row["var_confidence"], values.var(ddof=1) if len(values) > 1 else None, abs_=1e-15)
                assert (float(row["min_confidence"]), float(row["max_confidence"])) == (values.min(), values.max())
                for q in (10, 50, 90):
                    assert _close(float(row[f"p{q}_confidence"]), np.percentile(values, q), rel=1e-12), q
                checked += 1
        training = model_ref[model_ref.split == "train"]
        in_bucket = nulls[
            (nulls.model_id == model_id) & (nulls.scope == "bucket") & (pd.to_datetime(nulls.bucket_start) == bucket)
        ]
        for cohort_name, cohort_value, part in _cohorts(rows):
            got = in_bucket[(in_bucket.cohort_name == cohort_name) & (in_bucket.cohort_value == cohort_value)]
            # a cohort column is not monitored within its own cohorts
            assert sorted(got["column_name"]) == (["amount", "segment"] if cohort_name == ALL else ["amount"])
            own = training if cohort_name == ALL else training[training["segment"].fillna(NULL) == cohort_value]
            reference_rows = own if len(own) >= 30 else training
            for column, row in got.set_index("column_name").iterrows():
                # a NaN or infinite amount is missing, like a NULL one (both NaN in these frames)
                serving_fraction, reference_fraction = part[column].isna().mean(), reference_rows[column].isna().mean()
                assert _close(float(row["serving_null_fraction"]), serving_fraction), (column, cohort_value)
                assert _close(float(row["reference_null_fraction"]), reference_fraction), (column, cohort_value)
                assert _close(float(row["delta"]), serving_fraction - reference_fraction), (column, cohort_value)
    assert checked and len(drift) == sum(1 for _ in serving.groupby(["model_id", "bucket_start"])) + len(
        serving.assign(v=serving["segment"].fillna(NULL)).groupby(["model_id", "bucket_start", "v"])
    )


def _chosen_labels(labels: pd.DataFrame) -> pd.Series:
    """The README's label choice: the latest labeled_at, NULL last, then the smallest label."""
    usable = labels.dropna(subset=["prediction_id", "label"]).assign(undated=lambda f: f["labeled_at"].isna())
    ordered = usable.sort_values(
        ["prediction_id", "undated", "labeled_at", "label"], ascending=[True, True, False, True]
    )
    return ordered.groupby("prediction_id")["label"].first()


def _check_bad_input(read: dict, serving: pd.DataFrame, ref: pd.DataFrame, labels: pd.DataFrame) -> None:
    """What the README says of bad input: outliers of predicted_at excluded and counted, and
    no bucket of theirs on the spine; non-finite amounts missing, counted, and out of the
    feature's drift (its KS equals scipy's on the finite values); the label choice, and
    each unusable or unknown label counted."""
    kept = serving[serving["kept"]]
    chosen = _chosen_labels(labels)
    got_labels = read["stg_ml_monitor__labels"]
    assert dict(zip(got_labels["prediction_id"], got_labels["label"])) == chosen.to_dict()

    expected = {}  # (model_id, bucket_start, reason, column_name) -> (n_rows, n_bucket_rows)
    bucket_rows = serving.groupby(["model_id", "bucket_start"]).size()
    for row in serving[~serving["kept"]].itertuples():
        reason = "predicted_at_future" if row.predicted_at > pd.Timestamp.now() else "predicted_at_too_old"
        key = (row.model_id, row.bucket_start, reason, None)
        expected[key] = (expected.get(key, (0,))[0] + 1, bucket_rows[(row.model_id, row.bucket_start)])
    for (model_id, bucket), n in (
        kept[pd.notna(kept["amount_bad"])].groupby(["model_id", "bucket_start"]).size().items()
    ):
        expected[(model_id, bucket, "feature_not_finite", "amount")] = (n, bucket_rows[(model_id, bucket)])
    labelled = kept.assign(label=kept["prediction_id"].map(chosen)).dropna(subset=["label"])
    classes = ref.groupby("model_id")["label"].agg(set)
    unknown = labelled[[label not in classes[m] for m, label in zip(labelled["model_id"], labelled["label"])]]
    for (model_id, bucket), n in unknown.groupby(["model_id", "bucket_start"]).size().items():
        expected[(model_id, bucket, "label_unknown_class", None)] = (
            n,
            len(labelled.query("model_id == @model_id and bucket_start == @bucket")),
        )
    logged = set(serving["prediction_id"])
    label_buckets = labels["labeled_at"].dt.floor("D")
    for row, bucket in zip(labels.itertuples(), label_buckets):
        if pd.isna(row.prediction_id) or (pd.notna(row.label) and row.prediction_id not in logged):
            reason = "label_unknown_prediction"
        elif pd.isna(row.label):
            reason = "label_null"
        elif row.label != chosen[row.prediction_id]:
            reason = "label_conflict"
        else:
            continue
        key = (ALL, None if pd.isna(bucket) else bucket, reason, None)
        in_bucket = label_buckets.isna() if pd.isna(bucket) else label_buckets == bucket
        expected[key] = (expected.get(key, (0,))[0] + 1, in_bucket.sum())
    quality = read["int_ml_monitor__data_quality"].query("cohort_name == '__all__'")
    got = {
        (
            r.model_id,
            None if pd.isna(r.bucket_start) else r.bucket_start,
            r.reason,
            None if pd.isna(r.column_name) else r.column_name,
        ): (r.n_rows, r.n_bucket_rows)
        for r in quality.itertuples()
    }
    assert got == expected

    spine = read["ml_monitor_bucket_spine"].groupby("model_id")["bucket_start"].agg(["min", "max"])
    buckets = kept.groupby("model_id")["bucket_start"].agg(["min", "max"])
    # each model's spine begins at its first bucket; every spine ends at one "now", the log's
    # end (the tiny projects replay the log: ml_monitor_now log_end), at or after its own last
    assert (spine["min"].sort_index() == buckets["min"].sort_index()).all()
    assert spine["max"].nunique() == 1 and (spine["max"] >= buckets["max"].reindex(spine.index)).all()

    # per cohort: against the same segment value's training rows when there are enough
    features = read["int_ml_monitor__feature_drift"].set_index(
        ["model_id", "bucket_start", "cohort_name", "cohort_value"]
    )
    training = ref[ref.split == "train"].dropna(subset=["amount"])
    training = training.assign(segment=training["segment"].fillna(NULL))
    expected_keys = set()
    for (model_id, bucket), rows in kept.dropna(subset=["amount"]).groupby(["model_id", "bucket_start"]):
        model_reference = training[training.model_id == model_id]
        if model_reference.empty:
            continue  # no finite reference value: nothing to compare with
        for cohort_name, cohort_value, part in _cohorts(rows):
            own = model_reference if cohort_name == ALL else model_reference[model_reference.segment == cohort_value]
            scope = "cohort" if len(own) >= 30 else "model"
            reference_values = own if scope == "cohort" else model_reference
            key = (model_id, bucket, cohort_name, cohort_value)
            expected_keys.add(key)
            got = features.loc[key]
            assert (got["n"], got["n_reference"], got["reference_scope"]) == (
                len(part),
                len(reference_values),
                scope,
            ), key
            ks = ks_2samp(part["amount"], reference_values["amount"]).statistic
            assert _close(float(got["ks_statistic"]), ks), key
    assert set(features.index) == expected_keys


# --- hostile identifiers and values ----------------------------------------------------------

CANONICAL = [
    "prediction_id",
    "predicted_at",
    "predicted_class",
    "confidence",
    "model_id",
    "model_version",
    "label",
    "split",
]
HOSTILE_NAMES = [
    "my col",
    'we"ird',
    "it's",
    "Select",
    "MixedCase",
    "order",
    "group by",
    "naïve 名前",
    "--",
    "a; drop table x",
    "/* c */",
    "back\\slash",
    "{{ x }}",
    "%s",
    "?",
    "$1",
    "a.b",
    "`tick`",
    "[x]",
    "line\nbreak",
    " padded ",
]
HOSTILE_VALUES = [
    "it's",
    'say "hi"',
    "naïve 日本語 🙂",
    "line\nbreak",
    "x" * 500,
    "{{ var('x') }}",
    "back\\slash",
    "--",
    "",
    "%s ?",
    "<script>alert(1)</script>",
    "' or '1'='1",
    "__all__ but not",
]

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=24)
names = st.one_of(st.sampled_from(HOSTILE_NAMES), _text)
values = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80),
)


# the values ml_monitor reserves stop the build (test_bad_input); every other value passes
unreserved = values.filter(lambda value: value not in (ALL, NULL))
# a var's value goes through --vars, where dbt renders Jinja in it as it does in its models
# (test_cli_vars_are_bound_parameters): data values may hold Jinja, var values not
JINJA_MARKS = ("{{", "{%", "{#")
unrendered = unreserved.filter(lambda value: not any(mark in value for mark in JINJA_MARKS))


def _distinct(names: list[str]) -> bool:
    lowered = [n.lower() for n in names]
    return len(set(lowered)) == len(lowered) and not set(lowered) & set(CANONICAL) and all(n.strip() for n in names)


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


@pytest.mark.slow
@slow(1)
@example(
    columns=["my col", "order", "Select", 'we"ird', "MixedCase", "it's\na cohort"],
    cohort_values=HOSTILE_VALUES,
    model_id='it\'s "the" model; --',
)
@given(
    columns=st.lists(names, min_size=6, max_size=6).filter(_distinct),
    cohort_values=st.lists(unreserved, min_size=1, max_size=8, unique=True),
    model_id=unrendered,
)
def test_hostile_names_and_values_round_trip(hostile_folder, columns, cohort_values, model_id):
    id_col, time_col, class_col, conf_col, cohort_a, cohort_b = columns
    log = serving_log(n_per_day=len(cohort_values) * 3, days=2, cohort=None)
    log[cohort_a] = [cohort_values[i % len(cohort_values)] for i in range(len(log))]
    log[cohort_b] = [None if i % 4 == 0 else cohort_values[-1 - i % len(cohort_values)] for i in range(len(log))]
    log = log.rename(
        columns={
            "prediction_id": id_col,
            "predicted_at": time_col,
            "predicted_class": class_col,
            "confidence": conf_col,
        }
    )
    ref = reference(cohort=None).rename(columns={"predicted_class": class_col, "confidence": conf_col})
    ref[id_col] = [f"r{i}" for i in range(len(ref))]
    ref[cohort_a], ref[cohort_b] = cohort_values[0], ["z", None] * (len(ref) // 2)
    project = tiny_project(
        hostile_folder,
        cli_vars={
            "ml_monitor_columns": {
                "prediction_id": id_col,
                "predicted_at": time_col,
                "predicted_class": class_col,
                "confidence": conf_col,
            },
            "ml_monitor_cohorts": [cohort_a, cohort_b],
            "ml_monitor_default_model_id": model_id,
        },
    )
    write_tables(project, predictions=log, reference=ref)
    build(
        project,
        "+ml_monitor_report__confidence +ml_monitor_report__null_fractions ml_monitor_report__null_fractions_overall"
        " ml_monitor_schema_diff ml_monitor_report__schema_diff +ml_monitor_data_quality",
        command="run --full-refresh",
    )
    with Warehouse.connect(project) as wh:
        conf = wh.query(f"select * from {wh.relation('ml_monitor_confidence')} where predicted_class = '__all__'")
        nulls = wh.query(f"select distinct column_name from {wh.relation('ml_monitor_null_fractions')}")
        schema = wh.query(f"select * from {wh.relation('ml_monitor_schema_diff')}")
        quality = wh.query(f"select * from {wh.relation('ml_monitor_data_quality')}")
        html = build_report(wh)
    expected = {(ALL, ALL): len(log)}
    for cohort in (cohort_a, cohort_b):
        for value, n in log[cohort].fillna(NULL).value_counts().items():
            expected[(cohort, value)] = n
    got = {
        (name, value): n
        for name, value, n in conf.groupby(["cohort_name", "cohort_value"])["n"]
        .sum()
        .reset_index()
        .itertuples(index=False)
    }
    assert got == expected
    assert set(conf["model_id"]) == {model_id}
    assert sorted(nulls["column_name"]) == sorted([cohort_a, cohort_b])
    assert sorted(schema["column_name"]) == sorted([cohort_a, cohort_b])
    assert quality.empty
    for value in [*cohort_values, model_id, cohort_a, cohort_b]:
        if "<" in value and len(value.strip()) > 1:  # a lone "<" is in any page: only markup matters
            assert value not in html


@settings(max_examples=300, deadline=None, database=None)
@given(st.dictionaries(st.text(max_size=10), st.one_of(values, st.lists(values, max_size=3)), max_size=4))
def test_vars_reach_dbt_exactly(cli_vars):
    """dbt reads --vars as YAML: every character of every value survives the trip."""
    assert yaml.safe_load(_vars_argument(cli_vars)) == cli_vars


# --- hostile values of the CLI's filters -------------------------------------------------------

MODEL_MODULE = """
import numpy as np


class Model:
    classes_ = np.array(["a", "b"])

    def predict_proba(self, texts):
        return np.tile([0.3, 0.7], (len(texts), 1))


def make():
    return Model()
"""


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


def _tables_and_rows(project) -> list:
    with Warehouse.connect(project) as wh:
        tables = wh.query("select table_schema, table_name from information_schema.tables order by 1, 2")
        rows = wh.query('select count(*) as n from "main"."predictions"')["n"].iloc[0]
    return [tables.values.tolist(), int(rows)]


HOSTILE_FILTERS = ["x'); drop table main.predictions; --", "default' or '1'='1", "line\nbreak"]


# First of the tests on filter_project: the test of --vars leaves the project's partial parse
# keyed on other vars, and this process's parse would then be a full one.
@pytest.mark.slow
def test_a_hostile_model_id_through_the_real_cli(filter_project):
    import subprocess

    value = "x'); drop table main.predictions; --"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ml_monitor.cli",
            "--project-dir",
            str(filter_project.project_dir),
            "--profiles-dir",
            str(filter_project.profiles_dir),
            "perturb",
            "--model",
            "filter_test_model:make",
            "--model-id",
            value,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(filter_project.project_dir)},
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: stg_ml_monitor__reference has no rows of model {value!r} (it has: 'default')"
    )
    assert _tables_and_rows(filter_project)[1] == 90


@pytest.mark.slow
@slow(5)
@example(value=HOSTILE_FILTERS[0])
@example(value=HOSTILE_FILTERS[1])
@example(value=HOSTILE_FILTERS[2])
@given(value=values)
def test_cli_filters_are_bound_parameters(filter_project, value):
    assume(value != "default")
    before = _tables_and_rows(filter_project)
    for command in (
        ["explain", "--model", "filter_test_model:make", f"--model-id={value}"],
        ["perturb", "--model", "filter_test_model:make", f"--model-id={value}"],
    ):
        result = cli_in_process(filter_project, *command)
        assert result.returncode == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and f"has no rows of model {value!r}" in lines[0]
    assert _tables_and_rows(filter_project) == before


# Fewer generated values than above: each new value of a var makes dbt parse the project in
# full (its partial parse keys on the vars), seconds each; test_vars_reach_dbt_exactly checks
# the trip of 300 values through --vars without dbt.
@pytest.mark.slow
@slow(3)
@example(value=HOSTILE_FILTERS[0])
@example(value=HOSTILE_FILTERS[1])
@example(value=HOSTILE_FILTERS[2])
@given(value=values)
def test_cli_vars_are_bound_parameters(filter_project, value):
    assume(value != "default")
    before = _tables_and_rows(filter_project)
    payload = json.dumps({"ml_monitor_holdout_split": value}, ensure_ascii=False)
    try:
        passes = yaml.safe_load(payload) == {"ml_monitor_holdout_split": value}
    except yaml.YAMLError:
        passes = False  # --vars refuses it as YAML, before any SQL
    if passes:
        result = cli_in_process(filter_project, "--vars", payload, "fit-thresholds")
        assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        if not any(mark in value for mark in JINJA_MARKS):  # dbt renders the Jinja in a var, as for its models
            assert f"has no row with split = {value!r}: no holdout rows" in result.stderr
    assert _tables_and_rows(filter_project) == before
