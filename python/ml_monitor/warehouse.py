"""The warehouse connection every Python step uses: reads, metadata and atomic table writes.

A backend knows how to open a connection, run one statement with bound parameters and
bulk-load a frame into a new table. Everything else is shared: identifier quoting, the
information_schema look-ups and the write-then-swap transaction behind `replace_table`.
Spark (`SparkWarehouse`) runs a SparkSession in this process and, having no transactions,
overrides the write-then-swap with renames (see its docstring).

SQL passed to `query` uses `?` placeholders on every backend; values are always bound
parameters, identifiers always go through `quote`/`relation`.
"""

from __future__ import annotations

import decimal
import io
import re
import uuid
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

try:  # optional: only the postgres target needs it
    import psycopg2
    import psycopg2.errors
except ImportError:
    psycopg2 = None

try:  # optional: only the spark target needs it
    import pyspark
except ImportError:
    pyspark = None
else:  # pyspark warns about pandas 3 once, when it first imports this module (which it does
    # lazily); ml_monitor hands frames to Spark as Arrow tables, not through pandas
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import pyspark.testing.utils  # noqa: F401

from .config import ANCHOR_MODEL, Project, Relation
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
        # where a table is by name: dbt's models where dbt built them (set by `connect`)
        self.locate: Callable[[str], Relation] = lambda name: Relation(None, self.schema, name)

    @classmethod
    def connect(cls, project: Project, create: bool = False) -> Warehouse:
        """Open the warehouse of the project's dbt target, with the credentials dbt resolved.

        create: allow creating a new embedded database file (DuckDB); otherwise a missing
        file is an error, since every Python step reads what dbt built.
        """
        backend = BACKENDS.get(project.adapter_type)
        if backend is None:
            raise MonitorError(
                f"the Python steps do not support the '{project.adapter_type}' adapter "
                f"(supported: {', '.join(BACKENDS)})"
            )
        database = project.relation(ANCHOR_MODEL).database
        if database != project.credentials.get("database"):
            raise MonitorError(
                f"dbt places the ml_monitor models in database {database}, but the Python steps "
                f"reach only the target's own database {project.credentials.get('database')}"
            )
        warehouse = backend.open(project.credentials, project.output_schema, create)
        warehouse.locate = project.relation
        return warehouse

    # --- backend primitives ------------------------------------------------------
    @classmethod
    @abstractmethod
    def open(cls, credentials: dict, schema: str, create: bool) -> Warehouse:
        """Connect with the target's credentials, as dbt resolved them."""

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
    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def quote(self, identifier: str) -> str:
        q = self.quote_char
        return q + str(identifier).replace(q, q + q) + q

    def _located(self, name: str, schema: str | None) -> Relation:
        return Relation(None, schema, name) if schema else self.locate(name)

    def relation(self, name: str, schema: str | None = None) -> str:
        """The quoted table `name`: where `locate` finds it, or in `schema` when given."""
        located = self._located(name, schema)
        return f"{self.quote(located.schema)}.{self.quote(located.identifier)}"

    def _column_types(self, name: str, schema: str | None = None) -> list[tuple[str, str]]:
        located = self._located(name, schema)
        rows = self.query(
            "select column_name, data_type from information_schema.columns"
            " where table_catalog = current_database() and table_schema = ? and table_name = ?"
            " order by ordinal_position",
            [located.schema, located.identifier],
        )
        return list(rows.itertuples(index=False, name=None))

    def columns(self, name: str, schema: str | None = None) -> list[str]:
        return [column for column, _ in self._column_types(name, schema)]

    def table_exists(self, name: str, schema: str | None = None) -> bool:
        """Whether a table or view of that name exists."""
        located = self._located(name, schema)
        rows = self.query(
            "select 1 from information_schema.tables"
            " where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [located.schema, located.identifier],
        )
        return not rows.empty

    # Whether DDL runs in transactions, so that `atomic` can group several replaces.
    transactional = True

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction; nested uses join the outermost one."""
        if getattr(self, "_transaction_depth", 0):
            self._transaction_depth += 1
            try:
                yield
            finally:
                self._transaction_depth -= 1
            return
        self._execute("begin")
        self._transaction_depth = 1
        try:
            yield
        except BaseException:
            self._transaction_depth = 0
            self._execute("rollback")
            raise
        self._transaction_depth = 0
        self._execute("commit")

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Several `replace_table` calls that must change together (thresholds and their
        calibration): readers see all the old tables until every new one is written, and a
        failure or interrupt anywhere keeps all the old ones. Without transactions (Spark)
        each table is still replaced atomically on its own."""
        if not self.transactional:
            yield
            return
        with self._transaction():
            yield

    def replace_table(self, name: str, df: pd.DataFrame, schema: str | None = None) -> None:
        """Replace table `name` with the frame's rows, atomically.

        The frame is written under a unique temporary name and swapped in, all in one
        transaction: readers see the old table until the commit, and any failure rolls
        back to the old table with no temporary table left behind.
        """
        schema = self._located(name, schema).schema
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

    types = {
        "text": "VARCHAR",
        "double": "DOUBLE",
        "bigint": "BIGINT",
        "boolean": "BOOLEAN",
        "timestamp": "TIMESTAMP",
        "date": "DATE",
    }

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str):
        super().__init__(schema)
        self._con = con

    @classmethod
    def open(cls, credentials: dict, schema: str, create: bool) -> DuckDBWarehouse:
        path = str(credentials["path"])
        if path != ":memory:":
            # dbt resolves a relative path against the directory it runs in; so do we.
            path = str(Path(path).expanduser().resolve())
            if not create and not Path(path).exists():
                raise MonitorError(
                    f"the DuckDB file {path} does not exist (run dbt build first, or check the profile's path)"
                )
        settings = {key: str(value) for key, value in (credentials["settings"] or {}).items()}
        # TimeZone and Calendar need the ICU extension, which loads on first use but not
        # from the connect config: set them once connected, as dbt-duckdb does.
        icu = {key.lower(): value for key, value in settings.items() if key.lower() in ("timezone", "calendar")}
        try:
            con = duckdb.connect(path, config={k: v for k, v in settings.items() if k.lower() not in icu})
        except duckdb.IOException as exc:
            raise MonitorError(_duckdb_open_error(path, exc)) from None
        for key, value in icu.items():
            con.execute(f"set {key} = '{value.replace(chr(39), chr(39) * 2)}'")  # SET takes no bound parameters
        return cls(con, schema)

    def query(self, sql: str, params: Sequence | None = None) -> pd.DataFrame:
        try:
            return self._con.execute(sql, params).df()
        except (RuntimeError, duckdb.Error) as exc:
            _raise_if_interrupted(exc)
            raise

    def _execute(self, sql: str, params: Sequence | None = None) -> None:
        try:
            self._con.execute(sql, params)
        except (RuntimeError, duckdb.Error) as exc:
            _raise_if_interrupted(exc)
            raise

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


def _raise_if_interrupted(exc: Exception) -> None:
    """DuckDB turns a Ctrl-C during a query into RuntimeError('Query interrupted') (or an
    InterruptException): raise it as the KeyboardInterrupt it was, so that transactions roll
    back and the CLI exits 130 as for any other interrupt."""
    if isinstance(exc, duckdb.InterruptException) or str(exc).strip() == "Query interrupted":
        raise KeyboardInterrupt from None


def _duckdb_open_error(path: str, exc: Exception) -> str:
    message = str(exc)
    return duckdb_lock_error(message, path) or f"cannot open the DuckDB file {path}: {message.splitlines()[0]}"


_DUCKDB_LOCK = re.compile(
    r'(?:lock on file "(?P<path>[^"]*)": )?Conflicting lock is held in (?P<holder>.*?)(?:\. See also|$)', re.MULTILINE
)


def duckdb_lock_error(message: str, path: str | None = None) -> str | None:
    """The one-line error for DuckDB's "file is locked by another process" (from this
    process's connect, or in a dbt child's output), or None when `message` is not that."""
    held = _DUCKDB_LOCK.search(message)
    if not held:
        return None
    return (
        f"the DuckDB file {path or held.group('path')} is in use by another process ({held.group('holder')});"
        " close it and retry"
    )


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

    types = {
        "text": "text",
        "double": "double precision",
        "bigint": "bigint",
        "boolean": "boolean",
        "timestamp": "timestamp",
        "date": "date",
    }

    def __init__(self, con, schema: str):
        super().__init__(schema)
        self._con = con

    @classmethod
    def open(cls, credentials: dict, schema: str, create: bool) -> PostgresWarehouse:
        # `create` concerns embedded files only: the database must already exist.
        if psycopg2 is None:
            raise MonitorError("the postgres target needs psycopg2: pip install 'ml-monitor[postgres]'")
        settings = {
            "host": credentials["host"],
            "port": credentials["port"],
            "user": credentials["user"],
            "password": credentials["password"],
            "dbname": credentials["database"],
            "connect_timeout": credentials["connect_timeout"],
        }
        settings.update(
            {key: credentials[key] for key in ("sslmode", "sslcert", "sslkey", "sslrootcert") if credentials.get(key)}
        )
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
            raise MonitorError(
                f"{str(exc).splitlines()[0]}; its columns changed, so drop the views on it and rerun"
            ) from None

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
                chunk = _csv(frame.iloc[start : start + COPY_CHUNK_ROWS], kinds)
                cursor.copy_expert(f"copy {relation} from stdin with (format csv)", io.StringIO(chunk))

    def close(self) -> None:
        self._con.close()


# --- Spark ----------------------------------------------------------------------------------

# This process's SparkSession and the settings it was built with. A session starts a JVM
# (tens of seconds), so the Python steps of one run share it; `release_spark` ends it.
_SPARK: dict = {"session": None, "conf": None}


def _spark_conf(credentials: dict) -> dict[str, str]:
    """The session settings of a dbt-spark `session` target: its server_side_parameters,
    with ANSI mode off as dbt-spark forces it, so both see the same SQL semantics."""
    conf = {str(k): str(v) for k, v in (credentials["server_side_parameters"] or {}).items()}
    conf["spark.sql.ansi.enabled"] = "false"
    return conf


def _spark_session(conf: dict[str, str]):
    if _SPARK["session"] is not None and _SPARK["conf"] == conf:
        return _SPARK["session"]
    release_spark()  # other settings (JVM options, metastore) need a new JVM
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    _SPARK.update(session=session, conf=dict(conf))
    return session


def release_spark(jvm_exit_seconds: float | None = 60) -> None:
    """Stop this process's SparkSession and its JVM, if any, killing the JVM if it has not
    exited after jvm_exit_seconds (None: wait as long as it takes).

    The local metastore is an embedded Derby database that one process at a time can
    open, so the runner calls this before every dbt process it starts. Cheap when no
    session is running."""
    session, _SPARK["session"], _SPARK["conf"] = _SPARK["session"], None, None
    if session is None or pyspark is None:
        return
    from pyspark import SparkContext

    session.stop()
    gateway = SparkContext._gateway
    if gateway is not None:
        proc = getattr(gateway, "proc", None)
        gateway.shutdown()
        if proc is not None:  # the JVM exits when its stdin closes
            proc.stdin.close()
            try:
                proc.wait(timeout=jvm_exit_seconds)
            except Exception:
                proc.kill()
        SparkContext._gateway = None
        SparkContext._jvm = None


def _arrow_column(series: pd.Series, kind: str):
    """One column as an Arrow array of the kind's type; NULL (None, NaN, NaT) stays NULL."""
    import pyarrow as pa

    if kind == "timestamp":  # naive UTC -> Spark's TIMESTAMP (the session time zone is UTC)
        return pa.array(pd.to_datetime(series).dt.tz_localize("UTC"), type=pa.timestamp("us", tz="UTC"))
    present = series.notna().to_numpy()
    values = [(str(v) if kind == "text" else v) if ok else None for v, ok in zip(series.tolist(), present)]
    types = {
        "text": pa.string(),
        "double": pa.float64(),
        "bigint": pa.int64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
    }
    return pa.array(values, type=types[kind])


def _spark_param(value):
    """A bound value as a Python scalar that pyspark's lit() takes."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return value


class SparkWarehouse(Warehouse):
    """A SparkSession in this process, built with the profile's server_side_parameters as
    dbt-spark's `session` method builds it (tables in the Hive metastore it configures).

    Atomicity: Spark without a transactional table format (Delta, Iceberg) has no
    multi-statement transactions, so `replace_table` does what Spark allows. The new rows
    are written completely under a temporary name first; a failure while writing drops
    that table and leaves the old one as it was. The swap is then three metastore
    statements: rename the old table to a backup name, rename the new one into place, drop
    the backup. Readers see the old table or the new one, never a half-written one, but
    the name is briefly absent between the two renames; if the second rename fails the
    backup is renamed back. A process killed mid-swap can leave `ml_monitor_tmp_*` tables
    behind (drop them by hand). dbt-spark replaces non-Delta tables the same way (drop,
    then create).
    """

    quote_char = "`"
    transactional = False
    types = {
        "text": "string",
        "double": "double",
        "bigint": "bigint",
        "boolean": "boolean",
        "timestamp": "timestamp",
        "date": "date",
    }

    def __init__(self, session, schema: str):
        super().__init__(schema)
        self._spark = session

    @classmethod
    def open(cls, credentials: dict, schema: str, create: bool) -> SparkWarehouse:
        if pyspark is None:
            raise MonitorError("the spark target needs pyspark: pip install 'ml-monitor[spark]'")
        method = credentials["method"]
        if method != "session":
            raise MonitorError(
                f"the Python steps reach Spark through a SparkSession (dbt-spark's `session` method), "
                f"not the '{method}' method: point a session target at your cluster (spark.master)"
            )
        try:
            return cls(_spark_session(_spark_conf(credentials)), schema)
        except Exception as exc:  # a JVM that does not start, a metastore held by another process
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if "Another instance of Derby" in str(exc):
                message = "its metastore is in use by another process (a dbt or ml-monitor run); retry when it ends"
            raise MonitorError(f"cannot start Spark: {message}") from None

    def query(self, sql: str, params: Sequence | None = None) -> pd.DataFrame:
        args = [_spark_param(v) for v in params] if params is not None else None
        frame = self._spark.sql(sql, args=args).toArrow().to_pandas()
        for column in frame.columns:
            dtype = frame[column].dtype
            if isinstance(dtype, pd.DatetimeTZDtype):  # naive UTC, as DuckDB and PostgreSQL return
                frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
            elif (
                pd.api.types.is_object_dtype(dtype)
                and frame[column].map(lambda v: isinstance(v, decimal.Decimal)).any()
            ):
                frame[column] = frame[column].astype(float)  # decimals as DuckDB returns them
        return frame

    def _execute(self, sql: str, params: Sequence | None = None) -> None:
        args = [_spark_param(v) for v in params] if params is not None else None
        self._spark.sql(sql, args=args)

    def _write_rows(self, relation: str, frame: pd.DataFrame, kinds: dict[str, str]) -> None:
        import pyarrow as pa

        table = pa.table({column: _arrow_column(frame[column], kind) for column, kind in kinds.items()})
        view = f"ml_monitor_frame_{uuid.uuid4().hex}"
        self._spark.createDataFrame(table).createOrReplaceTempView(view)
        try:
            select = ", ".join(f"cast({self.quote(c)} as {self.types[k]}) as {self.quote(c)}" for c, k in kinds.items())
            self._execute(f"create table {relation} using parquet as select {select} from {self.quote(view)}")
        finally:
            self._spark.catalog.dropTempView(view)

    def close(self) -> None:
        """The session stays up for the next step of this process (see `release_spark`)."""
        self._spark = None

    def _column_types(self, name: str, schema: str | None = None) -> list[tuple[str, str]]:
        if not self.table_exists(name, schema):
            return []
        fields = self._spark.table(self.relation(name, schema)).schema.fields
        return [(field.name, field.dataType.simpleString()) for field in fields]

    def table_exists(self, name: str, schema: str | None = None) -> bool:
        return bool(self._spark.catalog.tableExists(self.relation(name, schema)))

    def replace_table(self, name: str, df: pd.DataFrame, schema: str | None = None) -> None:
        """Replace table `name` with the frame's rows: written in full under a temporary
        name, then renamed into place (see the class docstring for what is atomic)."""
        schema = self._located(name, schema).schema
        frame, kinds = _prepare(df)
        temp = TEMP_PREFIX + uuid.uuid4().hex[:16]
        self._execute(f"create schema if not exists {self.quote(schema)}")
        try:
            self._write_rows(self.relation(temp, schema), frame, kinds)
        except BaseException:
            self._execute(f"drop table if exists {self.relation(temp, schema)}")
            raise
        self._swap(temp, name, schema)

    def _swap(self, temp: str, name: str, schema: str) -> None:
        target, temp = self.relation(name, schema), self.relation(temp, schema)
        backup = (
            self.relation(TEMP_PREFIX + "old_" + uuid.uuid4().hex[:12], schema)
            if self.table_exists(name, schema)
            else None
        )
        try:
            if backup:
                self._execute(f"alter table {target} rename to {backup}")
            try:
                self._execute(f"alter table {temp} rename to {target}")
            except BaseException:
                if backup:
                    self._execute(f"alter table {backup} rename to {target}")
                raise
        except BaseException:
            self._execute(f"drop table if exists {temp}")
            raise
        if backup:
            self._execute(f"drop table {backup}")


BACKENDS: dict[str, type[Warehouse]] = {
    "duckdb": DuckDBWarehouse,
    "postgres": PostgresWarehouse,
    "spark": SparkWarehouse,
}
