"""Multivariate drift of the tabular features: the domain classifier's AUC and p-value and
the PCA reconstruction error equal an independent scikit-learn/scipy computation, a joint
change that keeps every marginal is found, and the demo's planted one is found in its
first window (with no single-feature alert on its features: test_planted_events.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import StandardScaler

from _steps_fixtures import FEATURE_VARS, demo_data, staging_project
from ml_monitor import demo, multivariate, names
from ml_monitor.errors import MonitorError
from ml_monitor.warehouse import Warehouse

WEEK = pd.Timedelta(weeks=1)


def _rows(rng: np.random.Generator, n: int, comonotone: bool = False) -> pd.DataFrame:
    x = rng.geometric(0.3, n) - 1.0
    y = rng.lognormal(5.8, 1.0, n).round()
    if comonotone:
        paired = np.empty_like(y)
        paired[np.argsort(x, kind="stable")] = np.sort(y)
        y = paired
    return pd.DataFrame({"x": x, "y": y, "tier": rng.choice(["free", "pro", "enterprise"], n)})


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(3)
    reference = _rows(rng, 1000)
    start = pd.Timestamp("2026-01-05")
    serving = pd.concat(
        [
            _rows(rng, 400).assign(window_start=start, bucket_start=start + pd.Timedelta(days=6)),
            _rows(rng, 400, comonotone=True).assign(window_start=start + WEEK, bucket_start=start + WEEK),
        ],
        ignore_index=True,
    )
    scores = multivariate.score_windows(reference, serving, ["x", "y", "tier"], ["tier"], null_tolerance=0.05)
    return reference, serving, scores


def test_a_joint_change_drifts_and_an_unchanged_window_does_not(scored):
    _, _, scores = scored
    stable, joint = scores.itertuples(index=False)
    assert stable.bucket_start == pd.Timestamp("2026-01-11")  # dated at its latest bucket
    assert not stable.is_drift and stable.p_value > 0.01 and abs(stable.domain_auc - 0.5) < 0.05
    assert joint.is_drift and joint.domain_auc > 0.8 and joint.p_value < 1e-10


def test_auc_and_p_value_equal_an_independent_computation(scored):
    reference, serving, scores = scored
    window = serving[serving.window_start == serving.window_start.max()]
    x = pd.concat([reference, window], ignore_index=True)[["x", "y", "tier"]]
    x["tier"] = x["tier"].map({"enterprise": 0, "free": 1, "pro": 2})  # sorted, as OrdinalEncoder
    y = np.r_[np.zeros(len(reference)), np.ones(len(window))]
    model = HistGradientBoostingClassifier(
        max_iter=50, class_weight="balanced", random_state=0, categorical_features=[False, False, True]
    )
    p = cross_val_predict(
        model, x.to_numpy(float), y, cv=StratifiedKFold(5, shuffle=True, random_state=0), method="predict_proba"
    )[:, 1]
    joint = scores.iloc[1]
    assert joint.domain_auc == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    # the noise floor: the Mann–Whitney U's null distribution (normal, no continuity correction)
    u = mannwhitneyu(p[y == 1], p[y == 0], alternative="greater", method="asymptotic", use_continuity=False)
    assert u.statistic / (len(window) * len(reference)) == pytest.approx(joint.domain_auc, abs=1e-12)
    stable = scores.iloc[0]
    first = serving[serving.window_start == serving.window_start.min()]
    assert stable.auc_null_sd == pytest.approx(
        np.sqrt((len(reference) + len(first) + 1) / (12 * len(reference) * len(first)))
    )
    assert joint.p_value == pytest.approx(max(u.pvalue, 1e-300), rel=1e-6) or joint.p_value < 1e-30


def test_reconstruction_error_equals_an_independent_pca(scored):
    reference, serving, scores = scored
    half = np.random.default_rng(0).permutation(len(reference)) < len(reference) // 2
    fit, held_out = reference[half], reference[~half]
    shares = fit["tier"].value_counts(normalize=True)

    def encode(rows):
        return np.c_[
            rows["x"].fillna(fit["x"].mean()), rows["y"].fillna(fit["y"].mean()), rows["tier"].map(shares).fillna(0.0)
        ]

    scaler = StandardScaler().fit(encode(fit))
    pca = PCA(0.65, svd_solver="full").fit(scaler.transform(encode(fit)))

    def errors(rows):
        z = scaler.transform(encode(rows))
        return np.linalg.norm(z - pca.inverse_transform(pca.transform(z)), axis=1)

    reference_errors = errors(held_out)
    for row, (_, window) in zip(scores.itertuples(index=False), serving.groupby("window_start")):
        assert row.reconstruction_error == pytest.approx(errors(window).mean(), rel=1e-9)
        half_width = 3 * reference_errors.std(ddof=1) * np.sqrt(1 / len(window) + 1 / len(reference_errors))
        assert (row.reconstruction_lower, row.reconstruction_upper) == pytest.approx(
            (reference_errors.mean() - half_width, reference_errors.mean() + half_width), rel=1e-9
        )


def test_a_feature_whose_missingness_moved_is_left_out_of_the_window():
    rng = np.random.default_rng(5)
    reference = _rows(rng, 300)
    serving = _rows(rng, 200).assign(window_start=pd.Timestamp("2026-01-05"), bucket_start=pd.Timestamp("2026-01-05"))
    serving.loc[:30, "y"] = np.nan  # 15.5 % missing against none: the null-fraction monitor's finding
    scores = multivariate.score_windows(reference, serving, ["x", "y", "tier"], ["tier"], null_tolerance=0.05)
    row = scores.iloc[0]
    assert (row.features, row.dropped_features) == ("x,tier", "y")
    assert not row.is_drift


def test_too_few_rows_give_no_verdict():
    rng = np.random.default_rng(6)
    few = _rows(rng, 5).assign(window_start=pd.Timestamp("2026-01-05"), bucket_start=pd.Timestamp("2026-01-05"))
    scores = multivariate.score_windows(_rows(rng, 300), few, ["x", "y", "tier"], ["tier"], null_tolerance=0.05)
    assert scores["domain_auc"].isna().all() and scores["is_drift"].isna().all()


def test_run_writes_the_table_from_bounded_seeded_samples():
    project = staging_project(demo_data(), **FEATURE_VARS)
    with Warehouse.connect(project) as warehouse:
        first = multivariate.run(warehouse, project, sample_size=300, window_sample_size=70, max_windows=2, seed=4)
        again = multivariate.run(warehouse, project, sample_size=300, window_sample_size=70, max_windows=2, seed=4)
        written = warehouse.query(f"select * from {warehouse.relation(names.MULTIVARIATE_DRIFT)}")
    assert list(written.columns) == ["model_id", *multivariate.COLUMNS]
    assert len(written) == 2 and set(written["model_id"]) == {demo.MODEL_ID}
    assert (written["n_reference"] == 300).all() and (written["n_serving"] <= 70).all()
    pd.testing.assert_frame_equal(first, again)
    assert not written["is_drift"].any()  # 21 undrifted days


def test_run_without_features_is_a_clear_error():
    project = staging_project(demo_data())
    with Warehouse.connect(project) as warehouse, pytest.raises(MonitorError, match="ml_monitor_features"):
        multivariate.run(warehouse, project)


# --- the demo: the planted joint change -----------------------------------------------------


def test_the_planted_joint_change_is_found_in_its_first_window(fitted_run):
    drift = fitted_run.table(names.MULTIVARIATE_DRIFT)
    drift["window_start"] = pd.to_datetime(drift["window_start"])
    changed = fitted_run.day(demo.JOINT_CHANGE_DAY)
    first_window = drift[(drift.window_start <= changed) & (drift.window_start + WEEK > changed)].iloc[0]
    assert first_window.is_drift and first_window.p_value < 1e-10
    assert set(demo.JOINT_FEATURES) <= set(first_window.features.split(","))
    # every window before it is quiet, the nulled order_value (from day 45) left out
    before = drift[drift.window_start < first_window.window_start]
    assert len(before) >= 5 and not before["is_drift"].any(), before
    assert (drift[drift.window_start >= fitted_run.day(demo.UPSTREAM_DAY)]["dropped_features"] == "order_value").all()


def test_multivariate_alert_at_the_end_of_the_joint_changes_first_window(fitted_run):
    alerts = fitted_run.table("ml_monitor_alerts")
    found = alerts[alerts.alert_type == "multivariate_drift"]
    # the change's window (Monday 16 to Sunday 22 February) is dated at its last day
    assert found["bucket_start"].min() == fitted_run.day(53)
    assert set(found["bucket_start"]) <= set(fitted_run.day(d) for d in range(demo.JOINT_CHANGE_DAY, 61))
    # no single feature shows it: test_planted_events.py
