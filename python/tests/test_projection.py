"""UMAP projections and domain-classifier drift: the library on demo texts and synthetic
embeddings, and `run()` end to end on a staged DuckDB file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _steps_fixtures import EXCLUDED_IDS, TEXT_VARS, demo_data, holdout, staging_project
from ml_monitor import projection
from ml_monitor.errors import MonitorError
from ml_monitor.warehouse import Warehouse

CLASSES = ["billing", "shipping", "technical"]  # three classes keep the UMAP fits short


def _frame(rows: pd.DataFrame, texts=None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sample_id": rows["prediction_id"].to_numpy(),
            "class": rows["label"].to_numpy(),
            "input": rows["ticket_text"].to_numpy() if texts is None else texts,
        }
    )


@pytest.fixture(scope="module")
def text_projection():
    """Reference and serving from disjoint holdout rows; billing's serving texts are
    shipping tickets (another vocabulary), the other classes are undrifted."""
    data = demo_data()
    reference = _frame(holdout(data, 400).query("label in @CLASSES"))
    later = holdout(data, 300, skip=400).query("label in @CLASSES")
    shipping = later.loc[later["label"] == "shipping", "ticket_text"].to_numpy()
    texts = np.where(later["label"] == "billing", np.resize(shipping, len(later)), later["ticket_text"])
    serving = _frame(later, texts)
    serving["bucket_start"] = pd.Timestamp("2026-01-05") + pd.to_timedelta(np.arange(len(serving)) % 14, unit="D")
    serving["window_start"] = projection.window_starts(serving["bucket_start"], pd.Timedelta(days=7))
    calls = []
    maps, drift = projection.project_samples(
        reference,
        serving,
        projection.text_vectors(data.model),
        progress=lambda done, total: calls.append((done, total)),
    )
    return reference, serving, maps, drift, calls


def test_every_sampled_row_is_mapped_to_finite_coordinates(text_projection):
    reference, serving, maps, _, calls = text_projection
    assert len(maps) == len(reference) + len(serving)
    assert set(maps["sample_id"]) == set(reference["sample_id"]) | set(serving["sample_id"])
    assert np.isfinite(maps[["x", "y"]].to_numpy()).all()
    assert maps.loc[maps["source"] == "reference", "bucket_start"].isna().all()
    assert maps.loc[maps["source"] == "serving", "bucket_start"].notna().all()
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_drifted_class_scores_above_stable_classes(text_projection):
    drift = text_projection[3]
    assert list(drift.columns) == projection.DRIFT_COLUMNS
    assert set(drift["window"]) == {"2026-01-05", "2026-01-12"}  # Monday-aligned weeks
    by_class = drift.groupby("class")["domain_auc"]
    assert by_class.min()["billing"] > 0.9
    assert by_class.max()[["shipping", "technical"]].max() < 0.6
    assert drift.loc[drift["class"] == "billing", "is_drift"].all()
    assert not drift.loc[drift["class"] != "billing", "is_drift"].any()


def test_embedding_vectors_and_too_small_classes():
    """Dense embeddings: a shifted class drifts; a class with too few reference rows gets
    no map and a NULL score rather than a made-up one."""
    rng = np.random.default_rng(0)
    center = {"a": rng.normal(size=16), "b": rng.normal(size=16), "tiny": rng.normal(size=16)}

    def rows(cls, n, shift=0.0):
        vectors = center[cls] + rng.normal(size=(n, 16)) * 0.5 + shift
        return pd.DataFrame(
            {"sample_id": [f"{cls}-{shift}-{i}" for i in range(n)], "class": cls, "input": list(vectors)}
        )

    reference = pd.concat([rows("a", 200), rows("b", 200), rows("tiny", 5)], ignore_index=True)
    serving = pd.concat([rows("a", 100), rows("b", 100, shift=1.0), rows("tiny", 10)], ignore_index=True)
    serving["bucket_start"] = serving["window_start"] = pd.Timestamp("2026-01-05")
    maps, drift = projection.project_samples(reference, serving, projection.embedding_vectors(), threshold=0.7)
    scores = drift.set_index("class")
    assert scores.loc["b", "domain_auc"] > 0.9 > 0.65 > scores.loc["a", "domain_auc"]
    assert pd.isna(scores.loc["tiny", "domain_auc"]) and pd.isna(scores.loc["tiny", "is_drift"])
    assert "tiny" not in set(maps["class"])


def test_window_starts_are_stable_weeks_from_monday():
    buckets = pd.Series(
        pd.to_datetime(["2026-01-04", "2026-01-05", "2026-01-11", "2026-01-12 06:00"], format="ISO8601")
    )
    starts = projection.window_starts(buckets, pd.Timedelta(days=7))
    assert starts.dt.strftime("%Y-%m-%d").tolist() == ["2025-12-29", "2026-01-05", "2026-01-05", "2026-01-12"]
    assert projection.window_label(pd.Timestamp("2026-01-12 06:00")) == "2026-01-12 06:00"


def test_text_projection_needs_a_pipeline():
    with pytest.raises(MonitorError, match="Pipeline"):
        projection.text_vectors(lambda texts: None)


def test_run_writes_both_tables():
    project = staging_project(demo_data(), **TEXT_VARS)
    with Warehouse.connect(project) as warehouse:
        maps, drift = projection.run(
            warehouse, project, demo_data().model, sample_size=150, window_sample_size=70, max_windows=2
        )
        written = warehouse.query(f"select * from {warehouse.relation('ml_monitor_embedding_projection')}")
        scores = warehouse.query(f"select * from {warehouse.relation('ml_monitor_embedding_drift')}")
        reference = warehouse.query(
            f"select prediction_id from {warehouse.relation('stg_ml_monitor__reference')} where split = 'validation'"
        )
    assert list(written.columns) == ["model_id", *projection.PROJECTION_COLUMNS]
    assert list(scores.columns) == ["model_id", *projection.DRIFT_COLUMNS]
    assert len(written) == len(maps) and len(scores) == len(drift)
    assert set(written["model_id"]) == {"ticket_router"}
    assert np.isfinite(written[["x", "y"]].to_numpy()).all()
    assert not set(EXCLUDED_IDS) & set(written["sample_id"])
    ref_ids = set(written.loc[written["source"] == "reference", "sample_id"])
    assert ref_ids <= set(reference["prediction_id"])  # the holdout split only
    assert written.loc[written["source"] == "reference"].groupby("class").size().max() <= 150
    assert scores["window_start"].nunique() == 2  # the two most recent weeks
    assert scores["n_serving"].max() <= 70
    assert scores["domain_auc"].between(0, 1).all()


def test_run_without_vectors_is_a_clear_error():
    project = staging_project(demo_data())
    with Warehouse.connect(project) as warehouse, pytest.raises(MonitorError, match="ml_monitor_embedding_column"):
        projection.run(warehouse, project, demo_data().model)
