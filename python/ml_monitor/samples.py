"""What the Python steps read and write: bounded samples of the staging views, one model at a time.

The steps never pull the whole log. `sample` keeps at most n rows per group, chosen by a
seeded md5 of each row's key inside the warehouse, so the same seed picks the same rows on
every run and every backend. `write_model_rows` replaces one model's rows of an output
table and keeps the other models' rows, so steps run per model share one table.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from .errors import MonitorError
from .warehouse import Warehouse

PREDICTIONS = "stg_ml_monitor__predictions"
REFERENCE = "stg_ml_monitor__reference"


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
    sql = (
        f"select * from (select {select}, row_number() over ({partition}order by {hashed}) as sample_rank"
        f" from {warehouse.relation(view)} where {conditions}) ranked"
        f" where sample_rank <= ? order by sample_rank"
    )
    params = [str(seed), *(value for _, values in where for value in values), int(per_group)]
    return warehouse.query(sql, params).drop(columns="sample_rank")


def resolve_model_id(warehouse: Warehouse, view: str, model_id: str | None) -> str:
    """The model a step runs for: the one asked for, else the only model in the view."""
    found = warehouse.query(f"select distinct model_id from {warehouse.relation(view)}")["model_id"].tolist()
    if model_id is not None:
        if model_id not in found:
            raise MonitorError(f"no rows of model '{model_id}' in {view} (models there: {', '.join(map(str, found)) or 'none'})")
        return model_id
    if len(found) != 1:
        detail = f"models {', '.join(map(str, sorted(found)))}: choose one with --model-id" if found else "it is empty"
        raise MonitorError(f"{view} cannot be used as is: {detail}")
    return found[0]


def reference_classes(warehouse: Warehouse, model_id: str) -> list[str]:
    """The labels of a model's reference data, sorted: scikit-learn's column order of predict_proba."""
    rows = warehouse.query(
        f"select distinct label from {warehouse.relation(REFERENCE)} where model_id = ? and label is not null",
        [model_id],
    )
    return sorted(rows["label"].astype(str))


def write_model_rows(warehouse: Warehouse, name: str, frame: pd.DataFrame, model_id: str) -> None:
    """Replace the rows of `model_id` in table `name` with the frame's (model_id prepended)."""
    frame = frame.copy()
    frame.insert(0, "model_id", model_id)
    if warehouse.table_exists(name):
        others = warehouse.query(f"select * from {warehouse.relation(name)} where model_id <> ?", [model_id])
        if not others.empty:
            frame = pd.concat([others, frame], ignore_index=True)
    warehouse.replace_table(name, frame)


def require(project_var: str, value, step: str):
    """A configured var the step cannot run without."""
    if not value:
        raise MonitorError(f"{step} needs the dbt var {project_var} to be set")
    return value
