"""LIME explanations: per-sample and per-class tables for text and tabular
models, and `run()` end to end on a staged DuckDB file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from _steps_fixtures import (
    EXCLUDED_IDS,
    FEATURE_VARS,
    FEATURES,
    TEXT_VARS,
    demo_data,
    holdout,
    staging_project,
    tabular_model,
)
from ml_monitor import demo, explain
from ml_monitor.warehouse import Warehouse

COLUMNS = ["prediction_id", "explained_class", "feature", "weight", "rank"]


@pytest.fixture(scope="module")
def text_explanations():
    data = demo_data()
    rows = holdout(data, 12)
    frame = pd.DataFrame({"prediction_id": rows["prediction_id"], "input": rows["ticket_text"]})
    calls = []
    explanations = explain.explain_texts(frame, data.model, progress=lambda done, total: calls.append((done, total)))
    return rows, explanations, calls


def test_explanations_are_ranked_per_sample_for_the_predicted_class(text_explanations):
    rows, explanations, calls = text_explanations
    assert list(explanations.columns) == COLUMNS
    assert calls[-1] == (len(rows), len(rows))
    predicted = dict(zip(rows["prediction_id"], demo_data().model.predict(rows["ticket_text"].tolist())))
    for prediction_id, sample in explanations.groupby("prediction_id"):
        assert (sample["explained_class"] == predicted[prediction_id]).all()
        assert sample["rank"].tolist() == list(range(1, len(sample) + 1)) and len(sample) <= 10
        assert sample["weight"].abs().is_monotonic_decreasing


def test_each_class_is_explained_by_its_own_words(text_explanations):
    _, explanations, _ = text_explanations
    by_class = explain.class_explanations(explanations)
    for cls, keywords in demo.CLASS_KEYWORDS.items():
        top = by_class[by_class["explained_class"] == cls].nlargest(10, "mean_weight")["feature"].str.lower()
        assert set(top) & set(keywords), f"{cls}: top words {list(top)}"


def test_class_means_count_absent_features_as_zero():
    explanations = pd.DataFrame(
        [
            ("p1", "a", "refund", 0.4, 1),
            ("p1", "a", "invoice", -0.2, 2),
            ("p2", "a", "refund", 0.2, 1),
            ("p3", "b", "parcel", 0.3, 1),
        ],
        columns=COLUMNS,
    )
    by_class = explain.class_explanations(explanations).set_index(["explained_class", "feature"])
    assert by_class.loc[("a", "refund"), "mean_weight"] == pytest.approx(0.3)
    assert by_class.loc[("a", "invoice"), "mean_weight"] == pytest.approx(-0.1)
    assert by_class.loc[("a", "invoice"), "mean_abs_weight"] == pytest.approx(0.1)
    assert by_class.loc[("a", "invoice"), "n_samples"] == 2 and by_class.loc[("b", "parcel"), "n_samples"] == 1


def test_tabular_model_is_explained_by_the_feature_it_uses():
    rng = np.random.default_rng(0)
    n = 600
    features = pd.DataFrame(
        {"amount": rng.normal(100, 30, n), "noise": rng.normal(0, 1, n), "channel": rng.choice(["web", "app"], n)}
    )
    label = np.where(features["amount"] > 100, "high", "low")
    encode = ColumnTransformer([("num", StandardScaler(), ["amount", "noise"]), ("cat", OneHotEncoder(), ["channel"])])
    model = make_pipeline(encode, LogisticRegression()).fit(features, label)
    rows = features.head(12).assign(prediction_id=[f"s{i}" for i in range(12)])
    explanations = explain.explain_tabular(rows, features, model, ["amount", "noise", "channel"], num_samples=300)
    assert (explanations.loc[explanations["rank"] == 1, "feature"] == "amount").all()
    assert set(explanations["feature"]) <= {"amount", "noise", "channel=web", "channel=app"}
    means = explain.class_explanations(explanations).set_index(["explained_class", "feature"])["mean_weight"]
    # continuous weights are local slopes: more amount, more "high", less "low"
    assert means[("high", "amount")] > 0 > means[("low", "amount")]


def test_run_explains_queue_rows_and_a_sample_per_class():
    project = staging_project(demo_data(), **TEXT_VARS)
    with Warehouse.connect(project) as warehouse:
        valid = warehouse.query(
            f"select prediction_id from {warehouse.relation('stg_ml_monitor__predictions')}"
            " where exclusion_reason is null order by prediction_id limit 3"
        )["prediction_id"].tolist()
        queue = pd.DataFrame(
            {
                "prediction_id": valid + [EXCLUDED_IDS[0], "p-000000999"],
                "model_id": "ticket_router",
                "reason": "least_confident",
                "priority": [1, 2, 3, 4, 5],
            }
        )
        warehouse.replace_table("ml_monitor_label_queue", queue)
        explanations, by_class = explain.run(
            warehouse, project, demo_data().model, per_class=2, queue_limit=4, num_samples=200
        )
        written = warehouse.query(f"select * from {warehouse.relation('ml_monitor_explanations')}")
        written_by_class = warehouse.query(f"select * from {warehouse.relation('ml_monitor_class_explanations')}")
    explained = set(written["prediction_id"])
    assert set(valid) <= explained and not set(EXCLUDED_IDS) & explained  # priorities 1-3; 4 is excluded
    assert "p-000000999" not in explained  # priority 5: beyond queue_limit
    assert len(explained) <= 3 + 2 * len(demo.CLASSES)
    assert list(written.columns) == ["model_id", *COLUMNS]
    assert list(written_by_class.columns) == [
        "model_id",
        "explained_class",
        "feature",
        "mean_weight",
        "mean_abs_weight",
        "n_samples",
    ]
    assert len(written) == len(explanations) and len(written_by_class) == len(by_class)
    assert written_by_class.groupby("explained_class")["n_samples"].first().sum() == len(explained)


@pytest.mark.slow
def test_run_on_a_tabular_model():
    project = staging_project(demo_data(), **FEATURE_VARS)
    with Warehouse.connect(project) as warehouse:
        explanations, by_class = explain.run(warehouse, project, tabular_model(), per_class=2, num_samples=200)
    names = set(FEATURES[:3]) | {f"{f}={v}" for f in FEATURES[3:] for v in demo.CATEGORIES[f][0]}
    assert set(explanations["feature"]) <= names
    assert explanations["prediction_id"].nunique() <= 2 * len(demo.CLASSES)
    assert not by_class.empty
