"""Every core SQL monitor equals an independent numpy/scipy computation on the raw demo rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency

from conftest import make_project
from ml_monitor import demo, runner
from ml_monitor.names import ALL

pytestmark = pytest.mark.slow  # the session's demo build

GRAINS = {
    "ml_monitor_confidence": ["model_id", "bucket_start", "cohort_name", "cohort_value", "predicted_class"],
    "ml_monitor_confidence_rolling": [
        "model_id",
        "bucket_start",
        "cohort_name",
        "cohort_value",
        "predicted_class",
        "window_buckets",
    ],
    "ml_monitor_class_distribution": ["model_id", "bucket_start", "cohort_name", "cohort_value", "predicted_class"],
    "ml_monitor_class_drift": ["model_id", "bucket_start", "cohort_name", "cohort_value"],
    "ml_monitor_schema_diff": ["column_name"],
    "ml_monitor_null_fractions": [
        "model_id",
        "column_name",
        "scope",
        "cohort_name",
        "cohort_value",
    ],  # + bucket_start, NULL on overall rows
    "ml_monitor_threshold_bands": [
        "model_id",
        "bucket_start",
        "cohort_name",
        "cohort_value",
        "predicted_class",
        "band",
    ],
    "ml_monitor_feature_drift": ["model_id", "bucket_start", "cohort_name", "cohort_value", "feature"],
    "ml_monitor_segment_findings": ["alert_type", "model_id", "bucket_start", "subject", "cohort_name", "cohort_value"],
}

CASES = [  # (day, cohort_name, cohort_value, predicted_class)
    (3, ALL, ALL, ALL),
    (12, "channel", "chat", ALL),
    (33, "channel", "chat", demo.SHIFT_CLASS),
    (41, "country", "FR", "billing"),
    (58, ALL, ALL, "technical"),
]


@pytest.fixture(scope="module")
def rows(demo_run) -> pd.DataFrame:
    raw = demo_run.raw()
    raw["bucket_start"] = raw["predicted_at"].dt.floor("D")
    return raw


def _select(rows: pd.DataFrame, bucket, cohort_name, cohort_value, predicted_class) -> pd.DataFrame:
    mask = rows["bucket_start"] == bucket
    if cohort_name != ALL:
        mask &= rows[cohort_name] == cohort_value
    if predicted_class != ALL:
        mask &= rows["predicted_class"] == predicted_class
    return rows[mask]


def _one(table: pd.DataFrame, **keys) -> pd.Series:
    mask = np.ones(len(table), dtype=bool)
    for column, value in keys.items():
        mask &= (table[column] == value).to_numpy()
    found = table[mask]
    assert len(found) == 1, f"expected one row for {keys}, found {len(found)}"
    return found.iloc[0]


@pytest.mark.parametrize("table", sorted(GRAINS))
def test_grain_is_unique_and_not_null(demo_run, table):
    df = demo_run.table(table)
    assert len(df) > 0
    keys = GRAINS[table] + (["bucket_start"] if table == "ml_monitor_null_fractions" else [])
    assert not df.duplicated(keys).any()
    assert df[GRAINS[table]].notna().all().all()


@pytest.mark.parametrize("day, cohort_name, cohort_value, predicted_class", CASES)
def test_confidence_matches_numpy(demo_run, rows, day, cohort_name, cohort_value, predicted_class):
    bucket = demo_run.day(day)
    expected = _select(rows, bucket, cohort_name, cohort_value, predicted_class)["confidence"].to_numpy()
    got = _one(
        demo_run.table("ml_monitor_confidence"),
        bucket_start=bucket,
        cohort_name=cohort_name,
        cohort_value=cohort_value,
        predicted_class=predicted_class,
    )
    assert got.n == len(expected)
    assert got.mean_confidence == pytest.approx(expected.mean(), rel=1e-12)
    assert got.var_confidence == pytest.approx(expected.var(ddof=1), rel=1e-9)
    for q in (10, 50, 90):
        assert got[f"p{q}_confidence"] == pytest.approx(np.percentile(expected, q), rel=1e-12)
    assert got.min_confidence == expected.min() and got.max_confidence == expected.max()


@pytest.mark.parametrize("day, cohort_name, cohort_value, predicted_class", CASES)
def test_rolling_pools_every_row_of_the_window(demo_run, rows, day, cohort_name, cohort_value, predicted_class):
    rolling = demo_run.table("ml_monitor_confidence_rolling")
    window = rows[(rows["bucket_start"] > demo_run.day(day - 7)) & (rows["bucket_start"] <= demo_run.day(day))]
    expected = _select(
        window.assign(bucket_start=demo_run.day(day)), demo_run.day(day), cohort_name, cohort_value, predicted_class
    )["confidence"].to_numpy()
    got = _one(
        rolling,
        bucket_start=demo_run.day(day),
        cohort_name=cohort_name,
        cohort_value=cohort_value,
        predicted_class=predicted_class,
        window_buckets=7,
    )
    assert got.rolling_n == len(expected)
    assert got.rolling_mean == pytest.approx(expected.mean(), rel=1e-12)
    assert got.rolling_variance == pytest.approx(expected.var(ddof=1), rel=1e-9)


def test_z_score_uses_previous_bucket_means(demo_run):
    conf = demo_run.table("ml_monitor_confidence")
    series = conf[(conf.cohort_name == ALL) & (conf.predicted_class == ALL)].set_index("bucket_start").sort_index()
    day = demo_run.day(20)
    previous = series.loc[demo_run.day(13) : demo_run.day(19), "mean_confidence"].to_numpy()
    assert len(previous) == 7
    expected = (series.loc[day, "mean_confidence"] - previous.mean()) / previous.std(ddof=1)
    assert series.loc[day, "z_score"] == pytest.approx(expected, rel=1e-9)


def _mix_test(counts: pd.Series, reference: pd.Series) -> dict:
    """Distances of a mix of counts from a reference mix, with the two-sample chi-square
    test of scipy."""
    categories = sorted(set(reference.index) | set(counts.index))
    n = counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    r = reference.reindex(categories, fill_value=0).to_numpy(dtype=float)
    p, q = n / n.sum(), r / r.sum()
    ps, qs = np.where(p == 0, 1e-4, p), np.where(q == 0, 1e-4, q)
    table = np.vstack([n, r])[:, (n + r) > 0]
    chi2, p_value, dof, _ = chi2_contingency(table, correction=False)
    return {
        "n": n.sum(),
        "psi": np.sum((ps - qs) * np.log(ps / qs)),
        "js_distance": jensenshannon(p, q, base=2),
        "linf": np.max(np.abs(p - q)),
        "chi2_statistic": chi2,
        "chi2_dof": dof,
        "p_value": p_value,
    }


@pytest.mark.parametrize(
    "day, cohort_name, cohort_value",
    [(5, ALL, ALL), (33, "channel", "chat"), (33, "channel", "email"), (50, "country", "DE")],
)
def test_class_drift_matches_scipy(demo_run, rows, day, cohort_name, cohort_value):
    """Against the model's predictions on the holdout split (like with like)."""
    serving = _select(rows, demo_run.day(day), cohort_name, cohort_value, ALL)
    reference = demo_run.raw("reference")
    holdout = reference.loc[reference["split"] == "validation", "predicted_class"].value_counts()
    expected = _mix_test(serving["predicted_class"].value_counts(), holdout)
    expected["reference_p_value"] = expected.pop("p_value")
    got = _one(
        demo_run.table("ml_monitor_class_drift"),
        bucket_start=demo_run.day(day),
        cohort_name=cohort_name,
        cohort_value=cohort_value,
    )
    for metric, value in expected.items():
        # the p-value to the chi-square macro's accuracy (docs/statistics.md), the rest exactly
        rel = 2e-6 if metric.endswith("p_value") else 1e-9
        assert got[metric] == pytest.approx(value, rel=rel, abs=1e-12), metric


@pytest.mark.parametrize(
    "table, category, day, cohort_name, cohort_value",
    [
        ("ml_monitor_class_drift", "predicted_class", 10, ALL, ALL),
        ("ml_monitor_class_drift", "predicted_class", 22, "channel", "web"),
        ("ml_monitor_class_drift", "predicted_class", 33, "channel", "chat"),
        ("ml_monitor_class_drift", "predicted_class", 50, "country", "DE"),
        ("ml_monitor_label_shift", "label", 29, ALL, ALL),
        ("ml_monitor_label_shift", "label", 36, "channel", "email"),
    ],
)
def test_seasonal_guard_matches_scipy(demo_run, rows, table, category, day, cohort_name, cohort_value):
    """The seasonal guard of the class mix (predictions) and the label mix (labelled rows):
    the bucket's counts against the pooled counts of the same weekday over the previous four
    weeks, with scipy's chi-square, and the larger of the two p-values once two of those
    weekdays hold rows."""
    counted = rows[rows[category].notna()]
    if cohort_name != ALL:
        counted = counted[counted[cohort_name] == cohort_value]
    bucket = demo_run.day(day)
    got = _one(demo_run.table(table), bucket_start=bucket, cohort_name=cohort_name, cohort_value=cohort_value)
    earlier = counted[counted.bucket_start.isin([bucket - pd.Timedelta(weeks=w) for w in range(1, 5)])]
    assert got.seasonal_buckets == earlier.bucket_start.nunique() > 0
    expected = _mix_test(
        counted[counted.bucket_start == bucket][category].value_counts(), earlier[category].value_counts()
    )
    assert got.seasonal_n == len(earlier)
    assert got.seasonal_chi2_statistic == pytest.approx(expected["chi2_statistic"], rel=1e-9)
    assert got.seasonal_js_distance == pytest.approx(expected["js_distance"], rel=1e-9)
    assert got.seasonal_p_value == pytest.approx(expected["p_value"], rel=2e-6, abs=1e-12)
    # one earlier weekday is too little to call the bucket usual: the reference decides alone
    guarded = got.seasonal_buckets >= 2
    assert got.seasonal_reference == ("recent_weeks" if guarded else "too_few_buckets")
    assert got.p_value == (max(got.reference_p_value, got.seasonal_p_value) if guarded else got.reference_p_value)


def test_class_distribution_covers_reference_classes(demo_run):
    dist = demo_run.table("ml_monitor_class_distribution")
    per_bucket = dist.groupby(["bucket_start", "cohort_name", "cohort_value"])
    assert (per_bucket["predicted_class"].nunique() >= len(demo.CLASSES)).all()
    assert per_bucket["share"].sum().to_numpy() == pytest.approx(1.0)


@pytest.mark.parametrize("day", [7, 44])
def test_threshold_band_counts(demo_run, rows, day):
    bands = demo_run.table("ml_monitor_threshold_bands")
    bucket = demo_run.day(day)
    serving = _select(rows, bucket, "country", "US", ALL)
    band = np.floor((serving["confidence"].to_numpy() - 0.5) / 0.05).astype(int)
    expected = (
        pd.Series(1, index=pd.MultiIndex.from_arrays([serving["predicted_class"], band])).groupby(level=[0, 1]).sum()
    )
    got = bands[(bands.bucket_start == bucket) & (bands.cohort_name == "country") & (bands.cohort_value == "US")]
    got = got.set_index(["predicted_class", "band"])["n"].sort_index()
    assert got.to_dict() == expected.sort_index().to_dict()
    assert (got.index.get_level_values("band") >= -10).all()
    near = bands[(bands.bucket_start == bucket) & (bands.cohort_name == ALL)]
    all_rows = _select(rows, bucket, ALL, ALL, ALL)
    assert near["n_near_threshold"].sum() == (np.abs(all_rows["confidence"] - 0.5) < 0.05).sum()
    assert set(near["threshold_source"]) == {"default"}


@pytest.mark.parametrize("column, day", [("order_value", 10), ("order_value", 50), ("customer_tier", 20)])
def test_null_fractions(demo_run, rows, column, day):
    serving = _select(rows, demo_run.day(day), ALL, ALL, ALL)
    reference = demo_run.raw("reference")
    reference = reference[reference["split"] == "train"]
    nulls = demo_run.table("ml_monitor_null_fractions")
    got = _one(nulls, column_name=column, scope="bucket", bucket_start=demo_run.day(day), cohort_name=ALL)
    assert got.serving_null_fraction == pytest.approx(serving[column].isna().mean(), abs=1e-12)
    assert got.reference_null_fraction == pytest.approx(reference[column].isna().mean(), abs=1e-12)
    overall = _one(nulls, column_name=column, scope="overall", cohort_name=ALL)
    assert overall.serving_null_fraction == pytest.approx(rows[column].isna().mean(), abs=1e-12)
    # per cohort, against the same cohort value's training rows
    chat = _one(
        nulls,
        column_name=column,
        scope="bucket",
        bucket_start=demo_run.day(day),
        cohort_name="channel",
        cohort_value="chat",
    )
    serving_chat, reference_chat = serving[serving.channel == "chat"], reference[reference.channel == "chat"]
    assert (chat.n, chat.reference_rows, chat.reference_scope) == (len(serving_chat), len(reference_chat), "cohort")
    assert chat.serving_null_fraction == pytest.approx(serving_chat[column].isna().mean(), abs=1e-12)
    assert chat.reference_null_fraction == pytest.approx(reference_chat[column].isna().mean(), abs=1e-12)


def test_rolling_counts_empty_buckets_as_buckets(tmp_path):
    """A day with no predictions at all still takes one of the window's W places."""
    data = demo.generate(predictions_per_day=200, days=30, seed=11)
    db_path = tmp_path / "gap.duckdb"
    demo.write_duckdb(data, db_path)
    import duckdb

    with duckdb.connect(str(db_path)) as con:
        con.execute("delete from main.predictions where cast(predicted_at as date) = date '2026-01-20'")
        raw = con.execute("select * from main.predictions").df()
    project = make_project(db_path, **data.dbt_vars())
    # the table read and its tests (not those that read unselected models)
    runner.dbt(project, ["build", "--select", "+ml_monitor_confidence_rolling", "--indirect-selection", "cautious"])
    with duckdb.connect(str(db_path), read_only=True) as con:
        rolling = con.execute(
            f"select * from {project.output_schema}.ml_monitor_confidence_rolling "
            "where cohort_name = '__all__' and predicted_class = '__all__' and window_buckets = 7"
        ).df()
    rolling = rolling.set_index("bucket_start")
    raw["day"] = raw["predicted_at"].dt.floor("D")
    for end in ("2026-01-22", "2026-01-20", "2026-01-26"):
        end = pd.Timestamp(end)
        window = raw[(raw.day > end - pd.Timedelta(days=7)) & (raw.day <= end)]["confidence"].to_numpy()
        got = rolling.loc[end]
        assert got.rolling_n == len(window)
        assert got.buckets_with_data == 6
        assert got.rolling_mean == pytest.approx(window.mean(), rel=1e-12)
        assert got.rolling_variance == pytest.approx(window.var(ddof=1), rel=1e-9)
