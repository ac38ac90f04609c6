"""Writers: the generated demo into a DuckDB file, Parquet files (one per day of the log)
or any warehouse, each table typed the same way; and the model as a joblib file."""

from __future__ import annotations

import queue
import re
import threading
from pathlib import Path

import duckdb
import joblib
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sklearn.pipeline import Pipeline

from .generate import DemoData
from .scenarios import EVENT_COLUMNS

# Column types of the tables `write_duckdb` creates, in column order.
PREDICTION_COLUMNS = {
    "prediction_id": "VARCHAR",
    "model_id": "VARCHAR",
    "model_version": "VARCHAR",
    "predicted_at": "TIMESTAMP",
    "predicted_class": "VARCHAR",
    "confidence": "DOUBLE",
    "label": "VARCHAR",
    "channel": "VARCHAR",
    "country": "VARCHAR",
    "customer_tier": "VARCHAR",
    "product": "VARCHAR",
    "previous_tickets": "INTEGER",
    "account_age_days": "INTEGER",
    "order_value": "DOUBLE",
    "ticket_text": "VARCHAR",
    "priority": "VARCHAR",
    "app_version": "VARCHAR",
}
REFERENCE_COLUMNS = {
    "prediction_id": "VARCHAR",
    "model_id": "VARCHAR",
    "split": "VARCHAR",
    "label": "VARCHAR",
    "predicted_class": "VARCHAR",
    "confidence": "DOUBLE",
    "channel": "VARCHAR",
    "country": "VARCHAR",
    "customer_tier": "VARCHAR",
    "product": "VARCHAR",
    "previous_tickets": "INTEGER",
    "account_age_days": "INTEGER",
    "order_value": "DOUBLE",
    "ticket_text": "VARCHAR",
    "priority": "INTEGER",
    "legacy_segment": "VARCHAR",
}
# A serving log without the upstream change logs the reference's inputs, typed the same.
UNCHANGED_PREDICTION_COLUMNS = {
    **{name: kind for name, kind in PREDICTION_COLUMNS.items() if name != "app_version"},
    "priority": "INTEGER",
    "legacy_segment": "VARCHAR",
}


def _with_extras(columns: dict[str, str], names) -> dict[str, str]:
    """Column types of a table: the fixed columns, then any extra features it has."""
    extra = {
        name: ("DOUBLE" if name.startswith("x_") else "VARCHAR") for name in names if re.fullmatch(r"[xc]_\d+", name)
    }
    return {**columns, **extra}


def _column_names(table) -> list[str]:
    return list(table.columns) if isinstance(table, pd.DataFrame) else list(table.schema.names)


def _prediction_columns(data: DemoData) -> dict[str, str]:
    """Column types of the serving log: with or without the upstream change, plus extras."""
    columns = UNCHANGED_PREDICTION_COLUMNS if data.scenario.upstream_day is None else PREDICTION_COLUMNS
    return _with_extras(columns, _column_names(data.predictions))


def _tables(data: DemoData) -> dict:
    return {
        "predictions": (data.predictions, _prediction_columns(data)),
        "reference": (data.reference, _with_extras(REFERENCE_COLUMNS, _column_names(data.reference))),
        "demo_events": (data.events, EVENT_COLUMNS),
    }


def _typed_select(con: duckdb.DuckDBPyConnection, table, columns: dict[str, str]) -> str:
    """Register a table as `demo_source` and return the SELECT that gives it its SQL types."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    con.register("demo_source", table)
    return (
        "SELECT "
        + ", ".join(f"CAST({_quote(c)} AS {t}) AS {_quote(c)}" for c, t in columns.items())
        + " FROM demo_source"
    )


def write_duckdb(data: DemoData, path: str | Path, schema: str = "main") -> None:
    """Create or replace tables predictions, reference and demo_events in a DuckDB file.

    A lazy serving log is streamed (one day in memory at a time). At tens of millions of rows
    the time goes into DuckDB's compression of the string columns (the ticket text most of
    all): about 0.25 million rows per CPU-second. `write_parquet` is more than twice as fast,
    and DuckDB reads its files directly (`read_parquet`).
    """
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}")
        for name, (table, columns) in _tables(data).items():
            con.execute(
                f"CREATE OR REPLACE TABLE {_quote(schema)}.{_quote(name)} AS {_typed_select(con, table, columns)}"
            )
            con.unregister("demo_source")


# Arrow types of the SQL types above, for Parquet files that DuckDB reads back with the
# same column types as `write_duckdb` gives them.
_ARROW_TYPES = {"VARCHAR": pa.string(), "DOUBLE": pa.float64(), "INTEGER": pa.int32(), "TIMESTAMP": pa.timestamp("us")}


def write_parquet(data: DemoData, folder: str | Path) -> dict[str, Path]:
    """Write the demo as Parquet: `predictions/<day>.parquet` (one file per day, so a day can
    be loaded on its own), `reference.parquet` and `demo_events.parquet`, typed as in
    `write_duckdb`. Returns the paths by table name.

    Strings stay dictionary-encoded and a lazy log is streamed: a writer thread compresses
    one day while the next one is generated. DuckDB reads the log back with
    `read_parquet('<folder>/predictions/*.parquet')`.
    """
    folder = Path(folder)
    log_folder = folder / "predictions"
    log_folder.mkdir(parents=True, exist_ok=True)
    for old in log_folder.glob("*.parquet"):
        old.unlink()
    paths = {"predictions": log_folder}
    for name, (table, columns) in _tables(data).items():
        if name == "predictions":
            continue
        paths[name] = folder / f"{name}.parquet"
        with duckdb.connect() as con:
            result = con.sql(_typed_select(con, table, columns))
            # duckdb 1.x: arrow(); 2.x: to_arrow_table()
            typed = (getattr(result, "to_arrow_table", None) or result.arrow)()
        pq.write_table(typed, paths[name])

    log = data.predictions
    if isinstance(log, pd.DataFrame):
        log = pa.Table.from_pandas(log, preserve_index=False)
    batches = log.to_batches() if isinstance(log, pa.Table) else log
    columns = _prediction_columns(data)
    schema = pa.schema(
        [
            pa.field(
                c,
                pa.dictionary(pa.int32(), pa.string())
                if pa.types.is_dictionary(log.schema.field(c).type)
                else _ARROW_TYPES[t],
            )
            for c, t in columns.items()
        ]
    )
    _write_days(batches, schema, log_folder)
    return paths


def _write_days(batches, schema: pa.Schema, log_folder: Path) -> None:
    """One Parquet file per day of the log, written by a background thread (pyarrow
    releases the GIL) while the caller's iterator generates the next day."""
    pending: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []
    # unique ids gain nothing from a dictionary; every other column has few distinct values
    dictionary_columns = [c for c in schema.names if c != "prediction_id"]
    # min/max statistics where a reader can skip row groups with them; those of long
    # strings cost more to compute than they save
    statistics_columns = [f.name for f in schema if not pa.types.is_dictionary(f.type) and f.type != pa.string()]

    def writer() -> None:
        names: set[str] = set()
        while (batch := pending.get()) is not None:
            if failure:
                continue
            try:
                day = pc.min(batch.column("predicted_at")).as_py()
                name = f"{day:%Y-%m-%d}" if day is not None else "undated"
                name = next(
                    f"{name}-{k}" if k else name
                    for k in range(len(names) + 1)
                    if (f"{name}-{k}" if k else name) not in names
                )
                names.add(name)
                path = log_folder / f"{name}.parquet"
                pq.write_table(
                    pa.Table.from_batches([batch]),
                    path,
                    compression="snappy",
                    use_dictionary=dictionary_columns,
                    write_statistics=statistics_columns,
                    dictionary_pagesize_limit=1 << 26,
                )
            except BaseException as error:  # reported in the caller's thread
                failure.append(error)

    thread = threading.Thread(target=writer, name="ml-monitor-parquet-writer", daemon=True)
    thread.start()
    try:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            pending.put(_conform(batch, schema))
            if failure:
                break
    finally:
        pending.put(None)
        thread.join()
    if failure:
        raise failure[0]


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """The batch's columns in the schema's order and types (dictionary strings stay encoded)."""
    return pa.RecordBatch.from_arrays(
        [
            batch.column(f.name) if batch.schema.field(f.name).type == f.type else batch.column(f.name).cast(f.type)
            for f in schema
        ],
        schema=schema,
    )


def write_warehouse(data: DemoData, warehouse, schema: str) -> None:
    """Replace the demo's tables in any warehouse (PostgreSQL: bulk COPY), typed as in DuckDB."""
    with duckdb.connect() as con:
        for name, (table, columns) in _tables(data).items():
            warehouse.replace_table(name, con.execute(_typed_select(con, table, columns)).df(), schema=schema)
            con.unregister("demo_source")


def save_model(model: Pipeline, path: str | Path) -> None:
    """Persist the router with joblib, creating the folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
