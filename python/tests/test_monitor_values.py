"""Label queue, performance and feature drift equal an independent computation (pandas,
scikit-learn, scipy) on the raw demo rows."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp, kstwobign
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from conftest import make_project
from ml_monitor import demo, runner
from ml_monitor.names import ALL, NULL
from test_sql_monitors import _one

pytestmark = pytest.mark.slow  # the session's demo build


@pytest.fixture(scope="module")
def rows(demo_run) -> pd.DataFrame:
    raw = demo_run.raw()
    raw["bucket_start"] = raw["predicted_at"].dt.floor("D")
    return raw


@pytest.fixture(scope="module")
def train(demo_run) -> pd.DataFrame:
    reference = demo_run.raw("reference")
    return reference[reference["split"] == "train"]


@pytest.mark.parametrize(
    "day, cohort_name, cohort_value", [(5, ALL, ALL), (20, "channel", "web"), (45, "country", "GB")]
)
def test_performance_matches_sklearn(demo_run, rows, day, cohort_name, cohort_value):
    labelled = rows[(rows.bucket_start == demo_run.day(day)) & rows.label.notna()]
    if cohort_name != ALL:
        labelled = labelled[labelled[cohort_name] == cohort_value]
    y_true, y_pred = labelled["label"], labelled["predicted_class"]
    perf = demo_run.table("ml_monitor_performance")
    overall = _one(
        perf,
        bucket_start=demo_run.day(day),
        cohort_name=cohort_name,
        cohort_value=cohort_value,
        predicted_class=ALL,
    )
    assert overall.n_labeled == len(labelled)
    assert overall.accuracy == pytest.approx(accuracy_score(y_true, y_pred), rel=1e-12)
    assert overall.macro_f1 == pytest.approx(f1_score(y_true, y_pred, average="macro", zero_division=0), rel=1e-12)
    classes = sorted(set(y_true) | set(y_pred))
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
    for i, cls in enumerate(classes):
        got = _one(
            perf,
            bucket_start=demo_run.day(day),
            cohort_name=cohort_name,
            cohort_value=cohort_value,
            predicted_class=cls,
        )
        assert (got.precision, got.recall, got.f1) == pytest.approx((precision[i], recall[i], f1[i]), rel=1e-12)
        assert got.n_labeled == support[i]


def _bins(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    edges = np.percentile(reference, np.arange(10, 100, 10))
    bins = np.searchsorted(edges, values, side="right")  # 0..9 inside the range
    bins = np.where(values < reference.min(), -1, bins)
    return np.where(values > reference.max(), 10, bins)


def _distances(p_counts: pd.Series, q_counts: pd.Series) -> dict:
    categories = sorted(set(p_counts.index) | set(q_counts.index), key=str)
    p = p_counts.reindex(categories, fill_value=0).to_numpy(float)
    q = q_counts.reindex(categories, fill_value=0).to_numpy(float)
    p, q = p / p.sum(), q / q.sum()
    ps, qs = np.where(p == 0, 1e-4, p), np.where(q == 0, 1e-4, q)
    return {
        "psi": np.sum((ps - qs) * np.log(ps / qs)),
        "js_distance": jensenshannon(p, q, base=2),
        "linf": np.abs(p - q).max(),
        "unseen_share": p[q == 0].sum(),
    }


@pytest.mark.parametrize("feature, day", [("account_age_days", 10), ("order_value", 33), ("previous_tickets", 52)])
def test_numeric_feature_drift_matches_scipy(demo_run, rows, train, feature, day):
    serving = rows[rows.bucket_start == demo_run.day(day)][feature].dropna().to_numpy(float)
    reference = train[feature].dropna().to_numpy(float)
    got = _one(
        demo_run.table("ml_monitor_feature_drift"),
        bucket_start=demo_run.day(day),
        feature=feature,
        cohort_name=ALL,
    )
    assert got.feature_type == "numeric" and got.n == len(serving)
    assert got.ks_statistic == pytest.approx(ks_2samp(serving, reference).statistic, rel=1e-12)
    expected = _distances(
        pd.Series(_bins(serving, reference)).value_counts(), pd.Series(_bins(reference, reference)).value_counts()
    )
    assert got.psi == pytest.approx(expected["psi"], rel=1e-9)
    assert got.js_distance == pytest.approx(expected["js_distance"], rel=1e-9)


@pytest.mark.parametrize(
    "feature, cohort_name, cohort_value, day",
    [
        ("order_value", "country", "DE", 36),
        ("account_age_days", "channel", "web", 12),
        ("product", "channel", "chat", 20),
        ("customer_tier", "country", "FR", 50),
    ],
)
def test_feature_drift_per_cohort_matches_scipy(demo_run, rows, train, feature, cohort_name, cohort_value, day):
    """A cohort value is compared with the training rows of the same value, on the
    population's bins."""
    in_cohort = rows[(rows.bucket_start == demo_run.day(day)) & (rows[cohort_name] == cohort_value)]
    reference = train[train[cohort_name] == cohort_value]
    got = _one(
        demo_run.table("ml_monitor_feature_drift"),
        bucket_start=demo_run.day(day),
        feature=feature,
        cohort_name=cohort_name,
        cohort_value=cohort_value,
    )
    assert got.reference_scope == "cohort"
    if got.feature_type == "numeric":
        serving, own = in_cohort[feature].dropna().to_numpy(float), reference[feature].dropna().to_numpy(float)
        population = train[feature].dropna().to_numpy(float)
        assert (got.n, got.n_reference) == (len(serving), len(own))
        assert got.ks_statistic == pytest.approx(ks_2samp(serving, own).statistic, rel=1e-12)
        en = len(serving) * len(own) / (len(serving) + len(own))  # Stephens' correction (docs/statistics.md)
        assert got.ks_p_value == pytest.approx(
            kstwobign.sf((np.sqrt(en) + 0.12 + 0.11 / np.sqrt(en)) * got.ks_statistic), rel=1e-6, abs=1e-12
        )
        distances = _distances(
            pd.Series(_bins(serving, population)).value_counts(), pd.Series(_bins(own, population)).value_counts()
        )
        expected = {metric: distances[metric] for metric in ("psi", "js_distance")}
    else:
        expected = _distances(
            in_cohort[feature].fillna(NULL).value_counts(), reference[feature].fillna(NULL).value_counts()
        )
    for metric, value in expected.items():
        assert got[metric] == pytest.approx(value, rel=1e-9, abs=1e-15), metric


def test_segment_findings_weigh_each_cohort_by_its_rows(demo_run, rows):
    """Each population alert's cohort values: weight from the raw rows (of the subject class
    for confidence), times the cohort's own effect over its threshold, shares per cohort
    column, ranked over all of them."""
    day = demo_run.day(demo.TYPING_DAY + 1)
    tests = demo_run.table("ml_monitor_alert_tests")
    tests = tests[tests.bucket_start == day]
    # the alert types tested per cohort (calibration, for one, is the model's only)
    per_cohort = set(tests[tests.cohort_name != ALL].alert_type)
    alerts = tests[(tests.cohort_name == ALL) & tests.is_alert & tests.alert_type.isin(per_cohort)]
    findings = demo_run.table("ml_monitor_segment_findings")
    findings = findings[findings.bucket_start == day]
    assert set(zip(findings.alert_type, findings.subject)) == set(zip(alerts.alert_type, alerts.subject))
    bucket = rows[rows.bucket_start == day]
    for alert in alerts.itertuples():
        of_class = (
            bucket[bucket.predicted_class == alert.subject] if alert.alert_type == "confidence_anomaly" else bucket
        )
        cohorts = tests[
            (tests.alert_type == alert.alert_type)
            & (tests.subject == alert.subject)
            & (tests.cohort_name != ALL)
            & tests.value.notna()
        ]
        expected = cohorts.assign(
            weight=[(of_class[c] == v).mean() for c, v in zip(cohorts.cohort_name, cohorts.cohort_value)]
        )
        expected["contribution"] = (
            expected.weight * expected.value / expected.threshold * (-1 if alert.value < 0 else 1)
        )
        expected["share"] = expected.contribution / expected.groupby("cohort_name").contribution.transform("sum")
        expected = expected.sort_values(["contribution", "cohort_name", "cohort_value"], ascending=[False, True, True])
        got = findings[(findings.alert_type == alert.alert_type) & (findings.subject == alert.subject)]
        got = got.sort_values("contribution_rank")
        assert list(got.contribution_rank) == list(range(1, len(expected) + 1))
        assert list(zip(got.cohort_name, got.cohort_value)) == list(zip(expected.cohort_name, expected.cohort_value))
        for column in ("weight", "contribution", "share"):
            np.testing.assert_allclose(got[column], expected[column], rtol=1e-9, err_msg=column)


def test_text_statistics_drift_when_users_start_typing(demo_run, rows, train):
    drift = demo_run.table("ml_monitor_feature_drift")
    length = (
        drift[(drift.feature == "ticket_text.length_chars") & (drift.cohort_name == ALL)]
        .set_index("bucket_start")
        .sort_index()
    )
    assert not length.loc[: demo_run.day(demo.TYPING_DAY - 1), "is_drift"].any()
    assert length.loc[demo_run.day(demo.TYPING_DAY) :, "is_drift"].all()
    day = demo_run.day(demo.TYPING_DAY + 2)
    serving = rows[rows.bucket_start == day]["ticket_text"].str.len().to_numpy(float)
    assert length.loc[day, "ks_statistic"] == pytest.approx(
        ks_2samp(serving, train["ticket_text"].str.len().to_numpy(float)).statistic, rel=1e-12
    )


@pytest.mark.parametrize("feature, day", [("customer_tier", 15), ("product", 50)])
def test_categorical_feature_drift_matches_numpy(demo_run, rows, train, feature, day):
    serving = rows[rows.bucket_start == demo_run.day(day)][feature].fillna(NULL)
    expected = _distances(serving.value_counts(), train[feature].fillna(NULL).value_counts())
    got = _one(
        demo_run.table("ml_monitor_feature_drift"),
        bucket_start=demo_run.day(day),
        feature=feature,
        cohort_name=ALL,
    )
    for metric, value in expected.items():
        assert got[metric] == pytest.approx(value, rel=1e-9, abs=1e-15), metric


def _strata(rows: pd.DataFrame, balance: str) -> pd.Series:
    cohorts = "channel=" + rows.channel.fillna(NULL) + ", country=" + rows.country.fillna(NULL)
    return {"classes": rows.predicted_class, "cohorts": cohorts, "both": rows.predicted_class + " | " + cohorts}[
        balance
    ]


def _expected_queue(
    rows: pd.DataFrame, last_bucket, size=100, buckets=7, threshold=0.5, width=0.05, balance="classes"
) -> pd.DataFrame:
    recent = rows[rows.bucket_start > last_bucket - pd.Timedelta(days=buckets)].copy()
    recent["stratum"] = _strata(recent, balance)
    unlabelled = recent[recent.label.isna()]
    reasons = {
        "least_confident": unlabelled.assign(key=unlabelled.confidence),
        "high_confidence": unlabelled.assign(key=-unlabelled.confidence),
        "near_threshold": unlabelled[(unlabelled.confidence - threshold).abs() < width].assign(
            key=lambda f: (f.confidence - threshold).abs()
        ),
        "below_threshold_correct": recent[
            recent.label.notna() & (recent.confidence < threshold) & (recent.label == recent.predicted_class)
        ].assign(key=lambda f: f.confidence),
    }
    queues = []
    for reason, frame in reasons.items():
        frame = frame.sort_values(["key", "prediction_id"])
        frame["stratum_rank"] = frame.groupby("stratum").cumcount() + 1
        frame = frame.sort_values(["stratum_rank", "key", "stratum", "prediction_id"]).head(size)
        queues.append(frame.assign(reason=reason, priority=np.arange(1, len(frame) + 1)))
    return pd.concat(queues)[["reason", "priority", "prediction_id", "stratum", "stratum_rank"]]


def test_label_queue_follows_the_rules(demo_run, rows):
    queue = demo_run.table("ml_monitor_label_queue")
    expected = _expected_queue(rows, rows.bucket_start.max())
    got = queue[["reason", "priority", "prediction_id", "stratum", "stratum_rank"]]
    key = ["reason", "priority"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True), expected.sort_values(key).reset_index(drop=True), check_dtype=False
    )
    least = queue[queue.reason == "least_confident"]
    assert least.predicted_class.nunique() == len(demo.CLASSES)  # balanced across classes
    assert queue[queue.reason != "below_threshold_correct"].label.isna().all()


@pytest.mark.slow
@pytest.mark.parametrize("balance", ["cohorts", "both"])
def test_label_queue_balanced_across_cohorts(demo_run, rows, tmp_path, balance):
    """Balanced across cohorts, every combination of channel and country — the smallest
    is a twentieth of the log — gets its share of the queue."""
    db_path = tmp_path / "demo.duckdb"
    shutil.copy(demo_run.db_path, db_path)
    project = make_project(db_path, ml_monitor_label_queue_balance=balance)
    runner.build(project, select="ml_monitor_label_queue")
    with duckdb.connect(str(db_path), read_only=True) as con:
        queue = con.execute(f"select * from {project.output_schema}.ml_monitor_label_queue").df()
    expected = _expected_queue(rows, rows.bucket_start.max(), balance=balance)
    key = ["reason", "priority"]
    pd.testing.assert_frame_equal(
        queue[expected.columns].sort_values(key).reset_index(drop=True),
        expected.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    least = queue[queue.reason == "least_confident"]
    counts = least.stratum.str.rsplit(" | ", n=1).str[-1].value_counts()  # the cohorts part
    assert len(counts) == 12 and counts.max() - counts.min() <= (1 if balance == "cohorts" else 5)


def _oov_share(texts: pd.Series, vocabulary: set[str]) -> np.ndarray:
    words = texts.str.lower().str.findall(r"[a-z]+")
    return np.array([np.mean([w not in vocabulary for w in ws]) if ws else np.nan for ws in words])


def test_out_of_vocabulary_share_drifts_with_typing(demo_run, rows, train):
    vocabulary = {w for ws in train["ticket_text"].str.lower().str.findall(r"[a-z]+") for w in ws}
    drift = demo_run.table("ml_monitor_feature_drift")
    oov = (
        drift[(drift.feature == "ticket_text.oov_share") & (drift.cohort_name == ALL)]
        .set_index("bucket_start")
        .sort_index()
    )
    assert not oov.loc[: demo_run.day(demo.TYPING_DAY - 1), "is_drift"].any()
    assert oov.loc[demo_run.day(demo.TYPING_DAY) :, "is_drift"].all()
    day = demo_run.day(demo.TYPING_DAY + 5)
    serving = _oov_share(rows[rows.bucket_start == day]["ticket_text"], vocabulary)
    reference = _oov_share(train["ticket_text"], vocabulary)
    assert oov.loc[day, "ks_statistic"] == pytest.approx(
        ks_2samp(serving[~np.isnan(serving)], reference[~np.isnan(reference)]).statistic, rel=1e-12
    )
