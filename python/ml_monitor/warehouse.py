"""The warehouse connection every Python step uses: reads, metadata and atomic table writes.

A backend knows how to open a connection, run one statement with bound parameters and
bulk-load a frame into a new table. Everything else is shared: identifier quoting, the
information_schema look-ups and the write-then-swap transaction behind `replace_table`.
Another backend (Spark) is one more subclass in `BACKENDS`.

SQL passed to `query` uses `?` placeholders on every backend; values are always bound
parameters, identifiers always go through `quote`/`relation`.
"""
from __future__ import annotations

import io
import re
import uuid
from abc import ABC, abstractmethod
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import duckdb
import pandas as pd

try:  # optional: only the postgres target needs it
    import psycopg2
    import psycopg2.errors
except ImportError:
    psycopg2 = None

from .config import Project
from .errors import MonitorError

TEMP_PREFIX = "ml_monitor_tmp_"
COPY_CHUNK_ROWS = 200_000  # bounds the CSV text held in memory while loading PostgreSQL

# pandas.api.types.infer_dtype names -> the column kind stored; anything else is text.
_KINDS = {
    "boolean": "boolean",
    "integer": "bigint",
    "floating": "double",
    "mixed-integer-float": "double",
    "decimal": "double",
    "datetime64": "timestamp",
    "datetime": "timestamp",
    "date": "date",
}


def _column_kind(series: pd.Series) -> str:
    return _KINDS.get(pd.api.types.infer_dtype(series, skipna=True), "text")


def _prepare(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A copy of the frame ready to load, and the kind of each column.

    Time-zone-aware timestamps become naive UTC: every ml_monitor timestamp is UTC.
    """
    frame = df.copy(deep=False)
    frame.columns = [str(c) for c in frame.columns]
    if frame.columns.empty:
        raise ValueError("a table needs at least one column")
    if frame.columns.duplicated().any():
        raise ValueError(f"duplicate column names: {list(frame.columns[frame.columns.duplicated()])}")
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame, {column: _column_kind(frame[column]) for column in frame.columns}


class Warehouse(ABC):
    """A connection to the warehouse, defaulting to the schema ml_monitor writes its tables to."""

    quote_char = '"'
    types: dict[str, str]  # column kind -> SQL type

    def __init__(self, schema: str):
        self.schema = schema

    @classmethod
    def connect(cls, project: Project, create: bool = False) -> "Warehouse":
        """Open the warehouse of the project's dbt target.

        create: allow creating a new embedded database file (DuckDB); otherwise a missing
        file is an error, since every Python step reads what dbt built.
        """
        backend = BACKENDS.get(project.adapter_type)
        if backend is None:
            raise MonitorError(
                f"the Python steps do not support the '{project.adapter_type}' adapter yet "
                f"(supported: {', '.join(BACKENDS)})"
            )
        return backend.open(project.output(), project.output_schema, create)

    # --- backend primitives ------------------------------------------------------
    @classmethod
    @abstractmethod
    def open(cls, output: dict, schema: str, create: bool) -> "Warehouse":
        """Connect with the rendered profile target `output`."""

    @abstractmethod
    def query(self, sql: str, params: Sequence | None = None) -> pd.DataFrame:
        """Run a query with `?` placeholders bound to params; the result as a frame."""

    @abstractmethod
    def _execute(self, sql: str, params: Sequence | None = None) -> None:
        """Run one statement that returns no rows."""

    @abstractmethod
    def _write_rows(self, relation: str, frame: pd.DataFrame, kinds: dict[str, str]) -> None:
        """Create the new table `relation` holding the frame, its columns typed by kind."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    # --- shared ------------------------------------------------------------------
    def __enter__(self) -> "Warehouse":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def quote(self, identifier: str) -> str:
        q = self.quote_char
        return q + str(identifier).replace(q, q + q) + q

    def relation(self, name: str, schema: str | None = None) -> str:
        return f"{self.quote(schema or self.schema)}.{self.quote(name)}"

    def _column_types(self, name: str, schema: str | None = None) -> list[tuple[str, str]]:
        rows = self.query(
            "select column_name, data_type from information_schema.columns"
            " where table_catalog = current_database() and table_schema = ? and table_name = ?"
            " order by ordinal_position",
            [schema or self.schema, name],
        )
        return list(rows.itertuples(index=False, name=None))

    def columns(self, name: str, schema: str | None = None) -> list[str]:
        return [column for column, _ in self._column_types(name, schema)]

    def table_exists(self, name: str, schema: str | None = None) -> bool:
        """Whether a table or view of that name exists."""
        rows = self.query(
            "select 1 from information_schema.tables"
            " where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema or self.schema, name],
        )
        return not rows.empty

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._execute("begin")
        try:
            yield
        except BaseException:
            self._execute("rollback")
            raise
        self._execute("commit")

    def replace_table(self, name: str, df: pd.DataFrame, schema: str | None = None) -> None:
        """Replace table `name` with the frame's rows, atomically.

        The frame is written under a unique temporary name and swapped in, all in one
        transaction: readers see the old table until the commit, and any failure rolls
        back to the old table with no temporary table left behind.
        """
        schema = schema or self.schema
        frame, kinds = _prepare(df)
        temp = TEMP_PREFIX + uuid.uuid4().hex[:16]
        with self._transaction():
            self._execute(f"create schema if not exists {self.quote(schema)}")
            self._write_rows(self.relation(temp, schema), frame, kinds)
            self._swap(temp, name, schema)

    def _swap(self, temp: str, name: str, schema: str) -> None:
        target, source = self.relation(name, schema), self.relation(temp, schema)
        if self._column_types(name, schema) == self._column_types(temp, schema):
            # Same columns: refill in place, so views, grants and comments on the table
            # survive (PostgreSQL refuses to drop a table that a view reads).
            self._execute(f"delete from {target}")
            self._execute(f"insert into {target} select * from {source}")
            self._execute(f"drop table {source}")
        else:
            self._execute(f"drop table if exists {target}")
            self._execute(f"alter table {source} rename to {self.quote(name)}")


class DuckDBWarehouse(Warehouse):
    """An embedded DuckDB file, the one dbt-duckdb builds."""

    types = {"text": "VARCHAR", "double": "DOUBLE", "bigint": "BIGINT", "boolean": "BOOLEAN",
             "timestamp": "TIMESTAMP", "date": "DATE"}

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str):
        super().__init__(schema)
        self._con = con

    @classmethod
    def open(cls, output: dict, schema: str, create: bool) -> "DuckDBWarehouse":
        path = str(output.get("path") or ":memory:")
        if path != ":memory:":
            # dbt resolves a relative path against the directory it runs in; so do we.
            path = str(Path(path).expanduser().resolve())
            if not create and not Path(path).exists():
                raise MonitorError(f"the DuckDB file {path} does not exist (run dbt build first, or check the profile's path)")
        settings = {key: str(value) for key, value in (output.get("settings") or {}).items()}
        try:
            return cls(duckdb.connect(path, config=settings), schema)
        except duckdb.IOException as exc:
            raise MonitorError(_duckdb_open_error(path, exc)) from None

    def query(self, sql: str, params: Sequence | None = None) -> pd.DataFrame:
        return self._con.execute(sql, params).df()

    def _execute(self, sql: str, params: Sequence | None = None) -> None:
        self._con.execute(sql, params)

    def _write_rows(self, relation: str, frame: pd.DataFrame, kinds: dict[str, str]) -> None:
        view = f"ml_monitor_frame_{uuid.uuid4().hex}"
        self._con.register(view, frame)
        try:
            select = ", ".join(f"cast({self.quote(c)} as {self.types[k]}) as {self.quote(c)}" for c, k in kinds.items())
            self._execute(f"create table {relation} as select {select} from {self.quote(view)}")
        finally:
            self._con.unregister(view)

    def close(self) -> None:
        self._con.close()


def _duckdb_open_error(path: str, exc: Exception) -> str:
    message = str(exc)
    held = re.search(r"Conflicting lock is held in (.*?)(?:\. See also|$)", message)
    if held:
        return f"the DuckDB file {path} is in use by another process ({held.group(1)}); close it and retry"
    return f"cannot open the DuckDB file {path}: {message.splitlines()[0]}"


# Quoted text (kept whole), a `?` placeholder, or a bare `%` that psycopg2 would read.
_PG_TOKENS = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*")|(\?)|%""")


def _pyformat(sql: str) -> str:
    """Rewrite `?` placeholders as psycopg2's `%s`, doubling every literal `%`."""
    def swap(match: re.Match) -> str:
        if match.group(1):
            return match.group(1).replace("%", "%%")
        return "%s" if match.group(2) else "%%"
    return _PG_TOKENS.sub(swap, sql)


def _csv_field(series: pd.Series, kind: str) -> pd.Series:
    """One column as PostgreSQL CSV fields: NULL is an empty unquoted field, text is
    always quoted so that an empty string stays an empty string."""
    if kind == "text":
        field = '"' + series.astype(str).str.replace('"', '""', regex=False) + '"'
    elif kind == "timestamp":
        field = pd.to_datetime(series).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    else:
        field = series.astype(str)
    return field.astype(object).where(series.notna().to_numpy(), "")


def _csv(frame: pd.DataFrame, kinds: dict[str, str]) -> str:
    fields = [_csv_field(frame[column], kind) for column, kind in kinds.items()]
    lines = fields[0].str.cat(fields[1:], sep=",") if len(fields) > 1 else fields[0]
    return "\n".join(lines.tolist()) + "\n"


class PostgresWarehouse(Warehouse):
    """A PostgreSQL database, through psycopg2."""

    types = {"text": "text", "double": "double precision", "bigint": "bigint", "boolean": "boolean",
             "timestamp": "timestamp", "date": "date"}

    def __init__(self, con, schema: str):
        super().__init__(schema)
        self._con = con

    @classmethod
    def open(cls, output: dict, schema: str, create: bool) -> "PostgresWarehouse":
        # `create` concerns embedded files only: the database must already exist.
        if psycopg2 is None:
            raise MonitorError("the postgres target needs psycopg2: pip install 'ml-monitor[postgres]'")
        settings = {"host": output.get("host"), "port": output.get("port"), "user": output.get("user"),
                    "password": output.get("password") or output.get("pass"),
                    "dbname": output.get("dbname") or output.get("database"),
                    "connect_timeout": output.get("connect_timeout", 10)}  # dbt-postgres's default
        settings.update({key: output[key] for key in ("sslmode", "sslcert", "sslkey", "sslrootcert") if output.get(key)})
        try:
            con = psycopg2.connect(**settings)
        except psycopg2.OperationalError as exc:
            where = f"{settings['user']}@{settings['host']}:{settings['port']}/{settings['dbname']}"
            raise MonitorError(f"cannot connect to PostgreSQL {where}: {str(exc).strip().splitlines()[0]}") from None
        # Autocommit: reads hold no locks between calls; replace_table opens its own transaction.
        con.autocommit = True
        return cls(con, schema)

    def _cursor_execute(self, cursor, sql: str, params: Sequence | None) -> None:
        try:
            if params is None:
                cursor.execute(sql)
            else:
                cursor.execute(_pyformat(sql), list(params))
        except psycopg2.errors.DependentObjectsStillExist as exc:
            raise MonitorError(f"{str(exc).splitlines()[0]}; its columns changed, so drop the views on it and rerun") from None

    def query(self, sql: str, params: Sequence | None = None) -> pd.DataFrame:
        with self._con.cursor() as cursor:
            self._cursor_execute(cursor, sql, params)
            return pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description])

    def _execute(self, sql: str, params: Sequence | None = None) -> None:
        with self._con.cursor() as cursor:
            self._cursor_execute(cursor, sql, params)

    def _write_rows(self, relation: str, frame: pd.DataFrame, kinds: dict[str, str]) -> None:
        columns = ", ".join(f"{self.quote(c)} {self.types[k]}" for c, k in kinds.items())
        self._execute(f"create table {relation} ({columns})")
        with self._con.cursor() as cursor:
            for start in range(0, len(frame), COPY_CHUNK_ROWS):
                chunk = _csv(frame.iloc[start:start + COPY_CHUNK_ROWS], kinds)
                cursor.copy_expert(f"copy {relation} from stdin with (format csv)", io.StringIO(chunk))

    def close(self) -> None:
        self._con.close()


BACKENDS: dict[str, type[Warehouse]] = {"duckdb": DuckDBWarehouse, "postgres": PostgresWarehouse}
