"""What the Python steps read and write: bounded samples of the staging views, one model at a time.

The steps never pull the whole log. `sample` keeps at most n rows per group, chosen by a
seeded md5 of each row's key inside the warehouse, so the same seed picks the same rows on
every run and every backend. `write_model_rows` replaces one model's rows of an output
table and keeps the other models' rows, so steps run per model share one table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from . import names
from .config import Project
from .errors import MonitorError
from .warehouse import Warehouse


def sample(
    warehouse: Warehouse,
    view: str,
    columns: dict[str, str],
    *,
    per_group: int,
    group_by: Sequence[str] = (),
    where: Sequence[tuple[str, Sequence]] = (),
    key: Sequence[str] = ("prediction_id",),
    seed: int = 0,
) -> pd.DataFrame:
    """Up to `per_group` rows of each `group_by` group of a view in the output schema.

    columns: output name -> column of the view. where: (condition, bound values) pairs
    whose identifiers the caller quoted with `warehouse.quote`. key: the columns hashed with
    the seed to order rows; a key that is NULL on every row (a reference table without
    prediction_id and no text) leaves the choice to the warehouse.
    """
    q = warehouse.quote
    select = ", ".join(f"{q(column)} as {q(name)}" for name, column in columns.items())
    hashed = "md5(concat(" + ", ".join(f"coalesce({q(k)}, '')" for k in key) + ", ?))"
    partition = f"partition by {', '.join(q(c) for c in group_by)} " if group_by else ""
    conditions = " and ".join(f"({condition})" for condition, _ in where) or "1 = 1"
    # rows come back ordered by rank and then key, not by rank alone: the groups tie on
    # every rank, and the order of tied rows differs between warehouses (a step that feeds
    # the rows to a seeded generator in order would then give other numbers)
    sql = (
        f"select * from (select {select}, sample_key, row_number() over ({partition}order by sample_key) as sample_rank"
        f" from (select *, {hashed} as sample_key from {warehouse.relation(view)} where {conditions}) keyed) ranked"
        f" where sample_rank <= ? order by sample_rank, sample_key"
    )
    params = [str(seed), *(value for _, values in where for value in values), int(per_group)]
    return warehouse.query(sql, params).drop(columns=["sample_rank", "sample_key"])


def resolve_model_id(warehouse: Warehouse, view: str, model_id: str | None) -> str:
    """The model a step runs for: the one asked for, else the only model in the view."""
    rows = warehouse.query(f"select distinct {warehouse.quote('model_id')} as model_id from {warehouse.relation(view)}")
    found = sorted(map(str, rows["model_id"]))
    if not found:
        raise MonitorError(f"{view} has no rows")
    if model_id is None and len(found) > 1:
        raise MonitorError(f"{view} holds several models ({', '.join(found)}): choose one with --model-id")
    if model_id is not None and model_id not in found:
        # repr: a value with quotes or line breaks still makes a one-line message
        raise MonitorError(f"{view} has no rows of model {model_id!r} (it has: {', '.join(map(repr, found))})")
    return model_id or found[0]


def reference_classes(warehouse: Warehouse, model_id: str) -> list[str]:
    """The labels of a model's reference data, sorted: scikit-learn's column order of predict_proba."""
    q = warehouse.quote
    rows = warehouse.query(
        f"select distinct {q('label')} as label from {warehouse.relation(names.REFERENCE)}"
        f" where {q('model_id')} = ? and {q('label')} is not null",
        [model_id],
    )
    return sorted(rows["label"].astype(str))


@dataclass(frozen=True)
class ModelInputs:
    """What the model reads, as configured: a text column, or else the feature columns."""

    text: str | None
    features: list[str]

    @property
    def columns(self) -> dict[str, str]:
        """Sample column -> view column: the text as `input`, features under their own names."""
        return {"input": self.text} if self.text else {f: f for f in self.features}

    def present(self, quote) -> str:
        """SQL condition: no input column is NULL."""
        return " and ".join(f"{quote(column)} is not null" for column in self.columns.values())


def model_inputs(project: Project, step: str) -> ModelInputs:
    """The model's inputs: the text column when configured (a text model), else the features."""
    text = project.var("ml_monitor_text_column")
    features = list(project.var("ml_monitor_features") or [])
    if not text and not features:
        raise MonitorError(f"{step} needs the model's inputs: set ml_monitor_text_column or ml_monitor_features")
    return ModelInputs(text, features)


def write_model_rows(warehouse: Warehouse, name: str, frame: pd.DataFrame, model_id: str) -> None:
    """Replace the rows of `model_id` in table `name` with the frame's (model_id prepended)."""
    frame = frame.copy()
    frame.insert(0, "model_id", model_id)
    if warehouse.table_exists(name):
        others = warehouse.query(
            f"select * from {warehouse.relation(name)} where {warehouse.quote('model_id')} <> ?", [model_id]
        )
        if not others.empty:  # in the new frame's columns: an older layout gives way
            frame = pd.concat([others, frame], ignore_index=True)[list(frame.columns)]
    warehouse.replace_table(name, frame)
