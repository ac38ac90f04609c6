"""Fitted thresholds against scikit-learn's precision-recall curve; calibration intervals
against IsotonicRegression; run() against a staging view (DuckDB, and PostgreSQL when
ML_MONITOR_PG_PORT is set)."""

import functools
import os
import uuid

import numpy as np
import pandas as pd
import pytest
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import precision_recall_curve

from conftest import package_project
from ml_monitor import names, thresholds
from ml_monitor.config import Project
from ml_monitor.errors import MonitorError
from ml_monitor.names import ALL
from ml_monitor.thresholds import fit_calibration, fit_thresholds
from ml_monitor.warehouse import Warehouse

CLASSES = np.array(["cat", "dog", "bird"])


def make_holdout(n=6000, seed=0, decimals=2, overconfident=False):
    """Two models, three classes; confidences rounded so that scores tie, including 1.0."""
    rng = np.random.default_rng(seed)
    predicted = rng.integers(0, 3, n)
    confidence = np.round(rng.uniform(0.34, 1.0, n), decimals)
    p_correct = confidence**3 if overconfident else confidence
    correct = rng.random(n) < p_correct
    label = np.where(correct, predicted, (predicted + rng.integers(1, 3, n)) % 3)
    return pd.DataFrame(
        {
            "model_id": np.where(rng.random(n) < 0.5, "m1", "m2"),
            "predicted_class": CLASSES[predicted],
            "confidence": confidence,
            "label": CLASSES[label],
        }
    )


def sklearn_curve(y_true, score, positives_elsewhere=0):
    """precision_recall_curve with recall rescaled to count positives that were never
    scored (rows labelled c but predicted another class), plus F1."""
    precision, recall, threshold = precision_recall_curve(y_true, score)
    precision, recall = precision[:-1], recall[:-1]  # the last point has no threshold
    scored_positives = y_true.sum()
    recall = recall * scored_positives / (scored_positives + positives_elsewhere)
    with np.errstate(invalid="ignore"):
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    return pd.DataFrame({"threshold": threshold, "precision": precision, "recall": recall, "f1": f1})


def best_f1(curve):
    top = curve[np.isclose(curve["f1"], curve["f1"].max(), rtol=0, atol=1e-12)]
    return top.loc[top["threshold"].idxmax()]


def multiclass_curves(holdout):
    for (model, cls), rows in holdout.groupby(["model_id", "predicted_class"]):
        y_true = (rows["label"] == cls).to_numpy()
        labelled = ((holdout["model_id"] == model) & (holdout["label"] == cls)).sum()
        yield (model, cls), sklearn_curve(y_true, rows["confidence"].to_numpy(), labelled - y_true.sum()), labelled


def assert_matches(fitted, key, expected, support):
    row = fitted.set_index(["model_id", "predicted_class"]).loc[key]
    assert row["threshold"] == expected["threshold"]
    for metric in ("precision", "recall", "f1"):
        assert row[metric] == pytest.approx(expected[metric], abs=1e-12)
    assert row["support"] == support


def test_multiclass_f1_matches_sklearn():
    holdout = make_holdout()
    fitted = fit_thresholds(holdout)
    assert len(fitted) == 6 and set(fitted["objective"]) == {"f1"}
    for key, curve, support in multiclass_curves(holdout):
        assert_matches(fitted, key, best_f1(curve), support)


def test_binary_f1_matches_sklearn():
    holdout = make_holdout(seed=1)
    fitted = fit_thresholds(holdout, positive_class="dog")
    assert list(fitted["predicted_class"]) == ["dog", "dog"]
    for model, rows in holdout.groupby("model_id"):
        is_dog = rows["predicted_class"] == "dog"
        p_positive = np.where(is_dog, rows["confidence"], 1 - rows["confidence"])
        y_true = (rows["label"] == "dog").to_numpy()
        assert_matches(fitted, (model, "dog"), best_f1(sklearn_curve(y_true, p_positive)), y_true.sum())


def tie_rows():
    # Predicted "a": F1 is 2/3 at t = 0.9 (1 of 1 accepted correct, 2 labelled a) and at
    # t = 0.6 (2 of 4): the higher threshold wins.
    return pd.DataFrame(
        {
            "model_id": "m",
            "predicted_class": ["a", "a", "a", "a", "b"],
            "confidence": [0.9, 0.8, 0.7, 0.6, 0.95],
            "label": ["a", "b", "b", "a", "b"],
        }
    )


def test_ties_go_to_the_higher_threshold():
    fitted = fit_thresholds(tie_rows()).set_index("predicted_class")
    assert fitted.loc["a", "threshold"] == 0.9
    assert fitted.loc["a", "f1"] == pytest.approx(2 / 3)
    assert (fitted.loc["a", "precision"], fitted.loc["a", "recall"]) == (1.0, 0.5)


def test_ties_in_binary_mode():
    rows = tie_rows()  # "b" predicted at 0.95 is p_positive 0.05 for the positive class "a"
    fitted = fit_thresholds(rows, positive_class="a")
    assert fitted.loc[0, "threshold"] == 0.9 and fitted.loc[0, "support"] == 2


@pytest.mark.parametrize(
    "objective, bound, metric, pick",
    [
        ("min_precision", 0.8, "precision", "min"),
        ("min_recall", 0.6, "recall", "max"),
    ],
)
def test_constraint_objectives(objective, bound, metric, pick):
    holdout = make_holdout(seed=2)
    fitted = fit_thresholds(holdout, objective, **{objective: bound})
    assert set(fitted["objective"]) == {f"{objective}({bound:g})"}
    for key, curve, support in multiclass_curves(holdout):
        allowed = curve[curve[metric] >= bound - 1e-12]
        expected = allowed.loc[allowed["threshold"].idxmin() if pick == "min" else allowed["threshold"].idxmax()]
        assert_matches(fitted, key, expected, support)


def test_unmet_constraint_falls_back_to_best_f1():
    rows = pd.DataFrame({"model_id": "m", "predicted_class": "a", "confidence": [0.9, 0.5], "label": ["b", "a"]})
    fitted = fit_thresholds(rows, "min_precision", min_precision=0.9)
    assert fitted.loc[0, "objective"] == "min_precision(0.9):unmet"
    assert fitted.loc[0, "threshold"] == 0.5  # the best F1


def test_class_never_labelled_has_undefined_recall():
    rows = pd.DataFrame({"model_id": "m", "predicted_class": ["a", "a"], "confidence": [0.9, 0.5], "label": ["b", "b"]})
    fitted = fit_thresholds(rows)
    assert fitted.loc[0, "threshold"] == 0.9 and np.isnan(fitted.loc[0, "recall"]) and fitted.loc[0, "f1"] == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"objective": "auc"}, "unknown threshold objective"),
        ({"objective": "min_precision"}, "needs min_precision"),
        ({"objective": "min_recall", "min_recall": 1.5}, "needs min_recall"),
        ({"objective": "f1", "min_recall": 0.5}, "only used with the objective min_recall"),
        ({"positive_class": "zebra"}, "positive class 'zebra'"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(MonitorError, match=message):
        fit_thresholds(make_holdout(n=100), **kwargs)


def test_bad_rows():
    holdout = make_holdout(n=100)
    holdout.loc[3, "confidence"] = 1.2
    with pytest.raises(MonitorError, match="confidence in"):
        fit_thresholds(holdout)


# --- calibration ----------------------------------------------------------------------


def lookup(table, score):
    """What the SQL join does: the one interval with
    score_lower <= s and (s < score_upper or s = score_lower)."""
    inside = (table["score_lower"].to_numpy() <= score[:, None]) & (
        (score[:, None] < table["score_upper"].to_numpy()) | (score[:, None] == table["score_lower"].to_numpy())
    )
    assert (inside.sum(axis=1) == 1).all()
    return table["calibrated_probability"].to_numpy()[inside.argmax(axis=1)]


PRIOR_ROWS = 20


@pytest.fixture(scope="module")
def calibrated():
    holdout = make_holdout(n=20000, seed=3, decimals=3, overconfident=True)
    holdout.loc[holdout.index[:50], "confidence"] = 1.0
    return holdout, fit_calibration(holdout, PRIOR_ROWS)


def groups(holdout, table):
    for (model, cls), intervals in table.groupby(["model_id", "predicted_class"]):
        rows = holdout[(holdout["model_id"] == model) & ((holdout["predicted_class"] == cls) | (cls == ALL))]
        yield rows, intervals.sort_values("score_lower")


def prior_rows(table, rows):
    """The model's curve at each of the class's holdout rows, weight PRIOR_ROWS in all."""
    model = rows["model_id"].iloc[0]
    curve = table[(table["model_id"] == model) & (table["predicted_class"] == ALL)]
    x = rows["confidence"].to_numpy()
    return x, lookup(curve, x), np.full(len(x), PRIOR_ROWS / len(x))


def isotonic(holdout, table, rows, cls):
    """sklearn's fit: the rows alone for a model, the rows plus the model's prior for a class."""
    x, y = rows["confidence"].to_numpy(), (rows["predicted_class"] == rows["label"]).to_numpy(float)
    w = np.ones(len(x))
    if cls != ALL:
        px, py, pw = prior_rows(table, rows)
        x, y, w = np.r_[x, px], np.r_[y, py], np.r_[w, pw]
    return IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(x, y, sample_weight=w)


def test_calibration_groups(calibrated):
    holdout, table = calibrated
    keys = set(map(tuple, table[["model_id", "predicted_class"]].drop_duplicates().to_numpy()))
    assert keys == {(m, c) for m in ("m1", "m2") for c in (ALL, *CLASSES)}
    # a class of three rows is calibrated too (mostly by the model's curve), never skipped
    bird = (holdout["predicted_class"] == "bird") & (holdout["model_id"] == "m1")
    few = pd.concat([holdout[~bird], holdout[bird].head(3)])
    assert ("m1", "bird") in set(
        map(tuple, fit_calibration(few, PRIOR_ROWS)[["model_id", "predicted_class"]].to_numpy())
    )


def test_calibration_intervals_cover_0_1_and_are_monotone(calibrated):
    holdout, table = calibrated
    for rows, intervals in groups(holdout, table):
        lower, upper = intervals["score_lower"].to_numpy(), intervals["score_upper"].to_numpy()
        assert lower[0] == 0.0 and upper[-1] == 1.0 and lower[-1] == 1.0  # ends with the point [1, 1]
        assert (lower[1:] == upper[:-1]).all() and (lower[:-1] < upper[:-1]).all()
        assert (np.diff(intervals["calibrated_probability"]) >= 0).all()
        assert intervals["calibrated_probability"].between(0, 1).all()
        assert intervals["n"].sum() == len(rows)


def test_calibration_table_equals_the_isotonic_fit(calibrated):
    holdout, table = calibrated
    probe = np.r_[0.0, np.linspace(0, 1, 1001), 1.0, np.nextafter(1.0, 0)]
    for rows, intervals in groups(holdout, table):
        cls = intervals["predicted_class"].iloc[0]
        iso = isotonic(holdout, table, rows, cls)
        knots, values = iso.X_thresholds_, iso.y_thresholds_
        # At every knot the table gives IsotonicRegression.predict ...
        np.testing.assert_allclose(lookup(intervals, knots), iso.predict(knots), rtol=0, atol=1e-12)
        # ... and everywhere the step function: the fit's value at the largest knot <= s.
        step = values[np.maximum(np.searchsorted(knots, probe, side="right") - 1, 0)]
        np.testing.assert_allclose(lookup(intervals, probe), step, rtol=0, atol=1e-12)


def test_calibration_improves_brier(calibrated):
    holdout, table = calibrated
    for rows, intervals in groups(holdout, table):
        score, correct = rows["confidence"].to_numpy(), (rows["predicted_class"] == rows["label"]).to_numpy()
        raw = np.mean((score - correct) ** 2)
        assert np.mean((lookup(intervals, score) - correct) ** 2) < raw - 0.01


def test_class_whose_holdout_predictions_are_all_correct_is_near_one_not_the_models_curve():
    """Not NaN, not silently the model's curve, and not a certainty: 1000 successes in
    a row against a prior of PRIOR_ROWS rows."""
    holdout = make_holdout(n=3000, seed=4)
    holdout.loc[holdout["predicted_class"] == "cat", "label"] = "cat"
    table = fit_calibration(holdout, PRIOR_ROWS)
    for model in ("m1", "m2"):
        rows = holdout[(holdout["model_id"] == model) & (holdout["predicted_class"] == "cat")]
        cat = table[(table["model_id"] == model) & (table["predicted_class"] == "cat")]
        model_curve = table[(table["model_id"] == model) & (table["predicted_class"] == ALL)]
        p, pooled = lookup(cat, rows["confidence"].to_numpy()), lookup(model_curve, rows["confidence"].to_numpy())
        # below 1 wherever the model's curve is (make_holdout's confidence 1.0 is always right)
        assert ((p < 1) | (pooled == 1)).all() and p.mean() > 1 - 2 * PRIOR_ROWS / len(rows)
        assert p.mean() > pooled.mean() + 0.15
    # all wrong: just above 0
    holdout.loc[holdout["predicted_class"] == "dog", "label"] = "bird"
    dog = fit_calibration(holdout, PRIOR_ROWS).query("predicted_class == 'dog'")
    assert (dog["calibrated_probability"] > 0).any() and (dog["calibrated_probability"] < 0.05).all()
    fitted = fit_thresholds(holdout).set_index(["model_id", "predicted_class"])
    assert fitted.xs("cat", level=1)[["precision", "recall", "f1"]].notna().all().all()


def test_calibration_needs_a_positive_prior():
    with pytest.raises(MonitorError, match="positive weight"):
        fit_calibration(make_holdout(n=100), 0)


# --- run against the warehouse ----------------------------------------------------------


@pytest.fixture(scope="module")
def project_on(tmp_path_factory):
    """project_on(target, **vars): the package on a target, in a DuckDB file and a PostgreSQL
    schema of the module's, parsed by dbt once per target and vars (a parse takes seconds)."""
    env = {
        "ML_MONITOR_DUCKDB_PATH": str(tmp_path_factory.mktemp("thresholds") / "t.duckdb"),
        "ML_MONITOR_PG_SCHEMA": f"test_{uuid.uuid4().hex[:8]}",
    }

    @functools.cache
    def load(target: str, **cli_vars: str) -> Project:
        return package_project(env={**env, "ML_MONITOR_TARGET": target}, cli_vars=cli_vars)

    return load


@pytest.fixture(params=["duckdb", "postgres"])
def target(request):
    if request.param == "postgres" and not os.environ.get("ML_MONITOR_PG_PORT"):
        pytest.skip("set ML_MONITOR_PG_PORT to test PostgreSQL")
    return request.param


@pytest.fixture
def warehouse(target, project_on):
    """The target's warehouse; its output schema is dropped afterwards, so each test starts without it."""
    with Warehouse.connect(project_on(target), create=True) as wh:
        yield wh
        wh._execute(f"drop schema if exists {wh.quote(wh.schema)} cascade")


def stage(warehouse, holdout, split="validation"):
    """What dbt's staging view looks like: canonical columns, every split; the holdout rows in `split`."""
    reference = holdout.assign(prediction_id=[f"p{i}" for i in range(len(holdout))], split=split)
    extra = pd.DataFrame(
        {
            "prediction_id": ["x1", "x2", "x3", "t1"],
            "model_id": "m1",
            "split": ["validation"] * 3 + ["train"],
            "predicted_class": ["cat", None, "cat", "cat"],
            "confidence": [1.5, 0.5, None, 0.5],
            "label": ["cat", "cat", "cat", "dog"],
        }
    )
    warehouse.replace_table("reference_rows", pd.concat([reference, extra], ignore_index=True))
    warehouse._execute(
        f"create view {warehouse.relation(names.REFERENCE)} as select * from {warehouse.relation('reference_rows')}"
    )


def test_run_writes_both_tables(warehouse, target, project_on):
    holdout = make_holdout(n=3000, seed=5)
    stage(warehouse, holdout)
    summary = thresholds.run(warehouse, project_on(target), objective="min_recall", min_recall=0.5)
    assert summary["holdout_rows"] == 3000 and summary["excluded_rows"] == 3 and summary["thresholds"] == 6
    written = warehouse.query(f"select * from {warehouse.relation('ml_monitor_thresholds')}")
    expected = fit_thresholds(holdout, "min_recall", min_recall=0.5)
    key = ["model_id", "predicted_class"]
    pd.testing.assert_frame_equal(
        written.drop(columns="fitted_at").sort_values(key).reset_index(drop=True),
        expected.drop(columns="fitted_at").sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    calibration = warehouse.query(f"select * from {warehouse.relation('ml_monitor_calibration')}")
    assert len(calibration) == len(fit_calibration(holdout, PRIOR_ROWS)) and summary["calibrated_groups"] > 0


# The vars of the tests below, one set for both: each set of vars is a dbt parse of its own.
OTHER_VARS = {"ml_monitor_positive_class": "bird", "ml_monitor_holdout_split": "test"}


def test_run_binary_mode_from_var(warehouse, target, project_on):
    stage(warehouse, make_holdout(n=2000, seed=6), split="test")
    summary = thresholds.run(warehouse, project_on(target, **OTHER_VARS))
    written = warehouse.query(f"select model_id, predicted_class from {warehouse.relation('ml_monitor_thresholds')}")
    assert summary["mode"].startswith("binary") and set(written["predicted_class"]) == {"bird"}


def test_run_needs_the_staging_view(warehouse, target, project_on):
    with pytest.raises(MonitorError, match="run dbt build first"):
        thresholds.run(warehouse, project_on(target))


def test_run_needs_holdout_rows(warehouse, target, project_on):
    stage(warehouse, make_holdout(n=10))  # in split 'validation'
    with pytest.raises(MonitorError, match="no row with split = 'test'"):
        thresholds.run(warehouse, project_on(target, **OTHER_VARS))
