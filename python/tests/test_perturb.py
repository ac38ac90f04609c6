"""Perturbation checks: the perturbations themselves, the flip-rate table on the demo
router, and `run()` end to end on a staged DuckDB file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _steps_fixtures import FEATURE_VARS, TEXT_VARS, demo_data, holdout, staging_project, tabular_model
from ml_monitor import perturb
from ml_monitor.errors import MonitorError
from ml_monitor.names import ALL
from ml_monitor.warehouse import Warehouse

TEXTS = ["Hello, my parcel has not arrived yet. Thanks!", "The invoice for March shows the wrong amount."]


@pytest.fixture(scope="module")
def checks():
    texts = holdout(demo_data(), 100)["ticket_text"].tolist()
    return texts, perturb.check(texts, demo_data().model)


def test_flip_rates_are_shares_and_classes_add_up(checks):
    texts, table = checks
    assert list(table.columns) == perturb.COLUMNS
    assert set(table["perturbation"]) == set(perturb.TEXT_PERTURBATIONS)
    assert table["flip_rate"].between(0, 1).all()
    assert table["mean_abs_confidence_change"].between(0, 1).all()
    for _, rows in table.groupby("perturbation"):
        overall = rows[rows["predicted_class"] == ALL].iloc[0]
        assert overall["n"] == len(texts) == rows.loc[rows["predicted_class"] != ALL, "n"].sum()
    assert (table["is_failure"] == (table["flip_rate"] > table["tolerance"])).all()


def test_typos_flip_more_predictions_than_whitespace(checks):
    _, table = checks
    overall = table[table["predicted_class"] == ALL].set_index("perturbation")
    assert overall.loc["typos", "flip_rate"] > overall.loc["whitespace", "flip_rate"]
    assert overall.loc["typos", "mean_abs_confidence_change"] > overall.loc["whitespace", "mean_abs_confidence_change"]


def test_each_perturbation_is_seeded_on_its_own(checks):
    texts, table = checks
    alone = perturb.check(texts, demo_data().model, perturbations={"typos": perturb.typos})
    pd.testing.assert_frame_equal(alone, table[table["perturbation"] == "typos"].reset_index(drop=True))


@pytest.mark.parametrize("name", sorted(perturb.TEXT_PERTURBATIONS))
def test_text_perturbations_change_texts_reproducibly(name):
    perturbation = perturb.TEXT_PERTURBATIONS[name]
    texts = TEXTS * 20
    first = perturbation(texts, np.random.default_rng(1))
    assert first == perturbation(texts, np.random.default_rng(1))
    assert len(first) == len(texts) and first != texts
    assert all(text.split() for text in first)  # never empties a text


def test_gaussian_noise_is_small_and_keeps_types():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "amount": rng.normal(100, 20, 1000),
            "tickets": rng.integers(0, 50, 1000),
            "channel": rng.choice(["web", "app"], 1000),
        }
    )
    noisy = perturb.gaussian_noise(frame, np.random.default_rng(1))
    change = noisy["amount"] - frame["amount"]
    assert change.std() == pytest.approx(perturb.NOISE_SCALE * frame["amount"].std(), rel=0.1)
    assert noisy["tickets"].dtype == frame["tickets"].dtype
    assert (noisy["channel"] == frame["channel"]).all()


def test_run_writes_the_checks_and_keeps_other_models_rows():
    project = staging_project(demo_data(), **TEXT_VARS)
    with Warehouse.connect(project) as warehouse:
        other = perturb.check(TEXTS, demo_data().model, perturbations={"case": perturb.change_case})
        other.insert(0, "model_id", "other_model")
        warehouse.replace_table("ml_monitor_perturbation_checks", other)
        table = perturb.run(warehouse, project, demo_data().model, per_class=30, perturbations=["typos", "whitespace"])
        written = warehouse.query(f"select * from {warehouse.relation('ml_monitor_perturbation_checks')}")
        with pytest.raises(MonitorError, match="unknown perturbation"):
            perturb.run(warehouse, project, demo_data().model, perturbations=["gaussian_noise"])
    assert list(written.columns) == ["model_id", *perturb.COLUMNS]
    ours = written[written["model_id"] == "ticket_router"]
    assert len(ours) == len(table) and set(ours["perturbation"]) == {"typos", "whitespace"}
    assert ours.loc[ours["predicted_class"] == ALL, "n"].tolist() == [150, 150]
    assert (written["model_id"] == "other_model").sum() == len(other)


@pytest.mark.slow
def test_run_on_a_tabular_model():
    project = staging_project(demo_data(), **FEATURE_VARS)
    with Warehouse.connect(project) as warehouse:
        table = perturb.run(warehouse, project, tabular_model(), per_class=40)
    assert set(table["perturbation"]) == {"gaussian_noise"}
    assert table.loc[table["predicted_class"] == ALL, "n"].item() == 200
    assert table["flip_rate"].between(0, 1).all()
