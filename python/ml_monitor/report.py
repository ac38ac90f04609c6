"""The HTML report: one self-contained file that charts every monitoring table.

Each section reads the dbt views made for it (`ml_monitor_report__*`, models/report/) with
`select *`: the views do the joins, filters and ranks, and carry the settings the charts draw,
so the report never restates a model's columns or grain. The tables the Python steps write
(projection, LIME, perturbation, multivariate drift, fitted thresholds), which may be absent
or from an older version, are read directly, with the columns they have; so are
ml_monitor_incidents and the label queue, whose grain is the report's already.
Every read is bounded by a number of recent buckets and by caps on cohorts, classes, features,
points and rows (presentation limits, here): the file's size depends on those caps (a few MB
per model at most), never on the size of the prediction log.

The page carries its data as one JSON blob in a `<script type="application/json">`
element; its inline script draws every chart as SVG through DOM APIs and `textContent`,
so a value from the data is never parsed as HTML. Tables are rendered here, by Jinja with
autoescaping on. Styles and the script are inlined: the file opens with no network.

A section whose tables do not exist yet says which command computes them.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from .names import ALL
from .warehouse import Warehouse

# Bounds on what goes into the page, and so on its size.
MAX_BUCKETS = 120  # most recent buckets of every time series
MAX_COHORTS = 10  # cohort values, the largest first (plus the whole population)
MAX_CLASSES = 10  # classes, the most predicted first (plus all classes)
MAX_FEATURES = 40  # features or columns of a heatmap, the most drifted first
MAX_POINTS = 1500  # UMAP points per class and source
MAX_TOKENS = 10  # LIME tokens per class or sample
MAX_SAMPLES = 6  # LIME sample explanations
MAX_ROWS = 200  # rows of a table
MAX_SEGMENTS = 3  # cohort values shown per population alert
MAX_INCIDENTS = 50  # incidents, the most recent first
MAX_EPISODES = 10  # episodes shown per incident, the most severe first
MAX_GROUP_ROWS = 10  # alerts shown per alert type or episode, the most severe and recent first
SHOWN_ROWS = 3  # rows of a group visible before its "more" toggle
MAX_TEXT = 400  # characters of a text shown
DECIMALS = 4

# The views' rank columns and the limit each is read with (ranks start at 1; the whole
# population and every class rank 0, shown beside the first ones).
RANK_LIMITS = {
    "bucket_rank": MAX_BUCKETS,
    "cohort_rank": MAX_COHORTS,
    "class_rank": MAX_CLASSES,
    "column_rank": MAX_FEATURES,
    "feature_rank": MAX_FEATURES,
}
# The confidence chart's band, baseline ± this many standard deviations of the bucket means:
# a guide for the eye (the anomaly decision is the t test of ml_monitor_alert_tests).
BAND_SD = 3

# The section that charts each alert type, for every type of macro ml_monitor.alert_types
# (test_dbt_tests checks); "alerts": the alert table alone.
ALERT_SECTIONS = {
    "confidence_anomaly": "confidence",
    "class_drift": "class-mix",
    "schema_change": "schema",
    "null_fraction": "schema",
    "feature_drift": "feature-drift",
    "performance_drop": "performance",
    "estimated_performance_drop": "performance",
    "estimator_unreliable": "performance",
    "embedding_drift": "embeddings",
    "perturbation_failure": "perturbation",
    # no chart of their own: their rows in the alert table say what moved
    "data_quality": "alerts",
    "label_shift": "alerts",
    **{
        t: "log-health"
        for t in (
            "volume_drop",
            "volume_spike",
            "cohort_volume_share",
            "stale_predictions",
            "stale_labels",
            "label_coverage_drop",
        )
    },
    "calibration_drift": "calibration",
    "multivariate_drift": "multivariate",
}


# --- reading -------------------------------------------------------------------------


class _Reader:
    """Bounded reads from the output schema, with table and column look-ups cached."""

    def __init__(self, warehouse: Warehouse):
        self.wh = warehouse
        self.exists = cache(warehouse.table_exists)
        self._columns = cache(warehouse.columns)

    def rel(self, table: str) -> str:
        return self.wh.relation(table)

    def has(self, table: str, *columns: str) -> bool:
        return set(columns) <= set(self._columns(table))

    def cols(self, table: str, columns: list[str], alias: str = "") -> str:
        """The quoted columns the table has, in the order asked: optional ones may be missing."""
        have = set(self._columns(table))
        prefix = f"{alias}." if alias else ""
        return ", ".join(prefix + self.wh.quote(c) for c in columns if c in have)

    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.wh.query(sql, params)

    def view(
        self, view: str, order: str, where: str = "1 = 1", limit: int | None = None, params: list | None = None
    ) -> pd.DataFrame:
        """A report view's rows within the limits of its rank columns, without those columns."""
        ranks = [c for c in self._columns(view) if c in RANK_LIMITS]
        limits = " ".join(f"and {c} <= {RANK_LIMITS[c]}" for c in ranks)
        bound = f" limit {limit}" if limit else ""
        df = self.frame(f"select * from {self.rel(view)} where {where} {limits} order by {order}{bound}", params)
        return df.drop(columns=ranks)

    def chart(self, view: str, *keys: str, order: str = "bucket_start") -> dict:
        """A report view's rows as a tree (`_tree`)."""
        return _tree(self.view(view, order), keys)

    def tree(self, sql: str, *keys: str) -> dict:
        """A query's rows as a tree (`_tree`): for the Python steps' tables."""
        return _tree(self.frame(sql), keys)


def _tree(df: pd.DataFrame, keys: tuple[str, ...]) -> dict:
    """Rows nested by model_id and then by each key, as columns at the leaves.

    Keys are sent once instead of on every row; a cohort (cohort_name, cohort_value)
    is one key, `cohort`, written `name=value`.
    """
    if "cohort_name" in df.columns:
        cohort = df["cohort_name"].map(_key) + "=" + df["cohort_value"].map(_key)
        df = df.drop(columns=["cohort_name", "cohort_value"]).assign(cohort=cohort)
    return _nest(df, ["model_id", *keys])


# --- values ------------------------------------------------------------------------------


def _missing(v: Any) -> bool:
    return v is None or (not isinstance(v, (str, bytes)) and pd.isna(v))


def _time(v: datetime | date, sep: str = "T", zone: str = "Z") -> str:
    """A time in UTC: its date alone at midnight (every day or week bucket), else to the minute."""
    ts = pd.Timestamp(v)
    ts = ts.tz_convert("UTC") if ts.tzinfo else ts
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime(f"%Y-%m-%d{sep}%H:%M{zone}")


def _value(v: Any) -> Any:
    """A JSON-ready scalar: NULL/NaN -> None, times -> ISO strings, floats rounded."""
    if _missing(v):
        return None
    if isinstance(v, (datetime, date)):
        return _time(v)
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    if isinstance(v, (float, Decimal)):
        v = round(float(v), DECIMALS)
        return None if math.isinf(v) else v
    return v


def _key(v: Any) -> str:
    return "(null)" if _missing(v) else str(_value(v))


def _columnar(df: pd.DataFrame) -> dict[str, list]:
    """A frame as {column: values}, booleans as 0/1: much smaller than a list of records."""

    def json_value(v):
        v = _value(v)
        return int(v) if isinstance(v, bool) else v

    return {str(c): [json_value(v) for v in df[c].tolist()] for c in df.columns}


def _nest(df: pd.DataFrame, keys: list[str]) -> dict:
    if not keys:
        return _columnar(df)
    return {
        _key(k): _nest(rows.drop(columns=keys[0]), keys[1:]) for k, rows in df.groupby(keys[0], sort=True, dropna=False)
    }


def script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element: no `<`, `>` or `&` (nothing can close
    the element or open a comment) and no U+2028/2029 (line breaks to older JS parsers)."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _text(v: Any, limit: int = MAX_TEXT) -> str:
    """A value as display text: numbers as `_number` writes them, long texts cut."""
    if isinstance(v, (datetime, date)) and not _missing(v):
        return _time(v, " ", "")
    v = _value(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return _number(v)
    text = str(v)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(v: float) -> str:
    """One format for every number in the report (report.js `fmt` writes the same): three
    significant digits, thousands grouped, an exponent only below 1e-4 (p-values have their own)."""
    a = abs(v)
    if a >= 1000 or v == int(v):
        return f"{v:,.0f}"
    if a < 1e-4:
        return f"{v:.2e}".replace("e-0", "e-")  # as JavaScript writes it
    return f"{float(f'{v:.3g}'):f}".rstrip("0").rstrip(".")


def _cell(v: Any, column: str = "") -> Any:
    """A table cell: numbers right-aligned, long texts wrapped."""
    value = _value(v)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"text": _text(v), "td": "num"}
    if column == "input_text":
        return {"text": _text(v), "td": "text"}
    return _text(v)


def _where(name: Any, value: Any) -> str:
    return "all" if _value(name) in (None, ALL) else f"{name} = {value}"


# --- sections --------------------------------------------------------------------------


@dataclass
class Group:
    """Rows under a heading row: the first SHOWN_ROWS show, the others behind a toggle."""

    head: list[Any]  # cells, on one line
    rows: list[list[Any]]


@dataclass
class Table:
    """A table rendered server-side: rows, or groups of rows. A cell is text, or a dict with
    text and optional td (the cell's CSS class), badge (a badge's kind), href and data
    (data-* attributes)."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    compact: bool = False  # as wide as its content, not the page
    groups: list[Group] = field(default_factory=list)


@dataclass
class Incident:
    """An incident's line in the list, and what it expands to."""

    id: str
    summary: list[Any]  # cells: severity, status, onset, title
    facts: list[str]
    links: list[dict]  # to the charts of its alert types
    alerts: Table  # grouped by episode


@dataclass
class Content:
    """What a section shows: data for its charts, and tables and incidents rendered server-side."""

    data: dict = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    note: str = ""


def _table(r: _Reader, view: str, title: str, order: str, where: str = "1 = 1") -> Table:
    return _rows_table(r.view(view, order, where, MAX_ROWS), title)


def _python_table(r: _Reader, table: str, title: str, order: str, columns: list[str] | None = None) -> Table:
    """A table the Python steps wrote (or the label queue): every column, or those of `columns` it has."""
    chosen = r.cols(table, columns) if columns else "*"
    return _rows_table(r.frame(f"select {chosen} from {r.rel(table)} order by {order} limit {MAX_ROWS}"), title)


def _rows_table(df: pd.DataFrame, title: str) -> Table:
    rows = [[_cell(v, c) for c, v in zip(df.columns, row)] for row in df.itertuples(index=False)]
    return Table(title, [c.replace("_", " ") for c in df.columns], rows)


def _badge(text: Any, kind: str) -> dict:
    return {"text": _text(text), "badge": kind}


# the model last but one: it is the same on most rows, and the last columns are the first to scroll off
ALERT_COLUMNS = ["severity", "bucket", "where", "subject", "metric", "value", "threshold", "p adj.", "model", ""]


def _alert_columns(with_model: bool) -> list[str]:
    # one model's report has its name in the header: the column would only take width
    return ALERT_COLUMNS if with_model else [c for c in ALERT_COLUMNS if c != "model"]


def _marks(values: list) -> str:
    """Query parameter marks for `in (...)`: `null` for none, which no value equals."""
    return ", ".join("?" * len(values)) or "null"


def _first_of(r: _Reader, view: str, key: str, values: list, rank: str, limit: int) -> dict[Any, list]:
    """The first `limit` rows by `rank` of each of `values` of `key` in a view, by value."""
    values = [str(v) for v in values]
    return _by(r.view(view, rank, f"{rank} <= {limit} and {key} in ({_marks(values)})", params=values), key)


def _by(df: pd.DataFrame, column: str) -> dict[Any, list]:
    """A frame's rows (named tuples) by their value in one column, in the frame's order."""
    groups: dict[Any, list] = {}
    for row in df.itertuples(index=False):
        groups.setdefault(getattr(row, column), []).append(row)
    return groups


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _chart_link(
    alert_type: str,
    model_id: Any = None,
    cohort_name: Any = None,
    cohort_value: Any = None,
    subject: Any = None,
    text: str = "chart →",
) -> dict:
    # the link carries the model, cohort and class, so that its chart can show that series
    cohort = "" if _value(cohort_name) is None else f"{cohort_name}={cohort_value}"
    return {
        "text": text,
        "href": f"#section-{ALERT_SECTIONS.get(alert_type, 'alerts')}",
        "data": {"model": _text(model_id), "cohort": cohort, "class": _text(subject)},
    }


def _p_value(v: Any) -> Any:
    # significant digits, not decimals: an adjusted p-value of 1e-30 is not 0
    return "" if _missing(v) else {"text": f"{float(v):.2g}", "td": "num"}


def _alert_row(a, with_model: bool) -> list:
    return [
        _badge(a.severity, a.severity),
        {"text": _text(a.bucket_start), "td": "date"},
        _where(a.cohort_name, a.cohort_value),
        _text(a.subject),
        _text(a.metric),
        _cell(a.value),
        _cell(a.threshold),
        _p_value(getattr(a, "p_value_adjusted", None)),  # older builds have no p-values
        *([_text(a.model_id)] if with_model else []),
        _chart_link(a.alert_type, a.model_id, a.cohort_name, a.cohort_value, a.subject),
    ]


def _alerts(r: _Reader) -> Content:
    rows = r.view(
        "ml_monitor_report__alerts",
        "n_critical_of_type desc, n_of_type desc, alert_type, rank_in_type",
        f"rank_in_type <= {MAX_GROUP_ROWS}",
    )
    # one group per type, so that a frequent type cannot crowd the others out
    by_type = _by(rows, "alert_type")
    with_model = rows["model_id"].nunique() > 1
    groups = []
    for alert_type, shown in by_type.items():
        n, n_critical = shown[0].n_of_type, shown[0].n_critical_of_type
        head = [
            _badge(alert_type, "critical" if n_critical else "warning"),
            _count(n, "alert") + (f", {int(n_critical)} critical" if n_critical else ""),
        ]
        if n > len(shown):
            head.append(f"the {len(shown)} most severe and recent below")
        groups.append(Group(head + [_chart_link(alert_type)], [_alert_row(a, with_model) for a in shown]))
    total = int(sum(shown[0].n_of_type for shown in by_type.values()))
    return Content(
        {"heat": r.chart("ml_monitor_report__alert_heatmap", "alert_type")},
        [Table(f"Alerts by type ({total})", _alert_columns(with_model), groups=groups)],
        note="" if total else "No alert fired.",
    )


# the most recent first, standing incidents (no onset) last: the report's and the summary's order
INCIDENT_ORDER = "case when onset is null then 1 else 0 end, onset desc, incident_id"
TIMELINE_COLUMNS = ["model_id", "incident_id", "onset", "last_bucket", "status", "severity", "title", "findings"]


def _incidents(r: _Reader) -> Content:
    found = r.frame(
        f"select i.*, count(*) over () as n_incidents from {r.rel('ml_monitor_incidents')} i"
        f" order by {INCIDENT_ORDER} limit {MAX_INCIDENTS}"
    )
    if found.empty:
        return Content(note="No incidents.")
    found["findings"] = [_findings(i.title, i.onset) for i in found.itertuples(index=False)]
    by_incident = _first_of(
        r, "ml_monitor_report__episodes", "incident_id", list(found["incident_id"]), "rank_in_incident", MAX_EPISODES
    )
    episode_ids = [e.episode_id for episodes in by_incident.values() for e in episodes]
    by_episode = _first_of(
        r, "ml_monitor_report__episode_alerts", "episode_id", episode_ids, "rank_in_episode", MAX_GROUP_ROWS
    )
    sections = {s.id: s.title for s in SECTIONS}
    items = []
    with_model = found["model_id"].nunique() > 1
    for i in found.itertuples(index=False):
        groups = [
            Group(_episode_head(e), [_alert_row(a, with_model) for a in by_episode.get(e.episode_id, [])])
            for e in by_incident.get(i.incident_id, [])
        ]
        types = [t.strip() for t in str(i.alert_types).split(",")]
        charted = {ALERT_SECTIONS[t]: t for t in types if t in ALERT_SECTIONS}  # one link per section
        shown = (
            _count(len(groups), "episode")
            if i.n_episodes == len(groups)
            else f"{len(groups)} of {i.n_episodes} episodes, every alert type's most severe first"
        )
        items.append(
            Incident(
                str(i.incident_id),
                [
                    _badge(i.severity, i.severity),
                    _badge(i.status, f"status-{i.status}"),
                    _text(i.onset) or "standing",
                    _text(i.findings),
                ],
                [
                    f"model {_text(i.model_id)}",
                    f"{_count(i.n_alerts, 'alert')} in {_count(i.n_episodes, 'episode')}",
                    f"last bucket {_text(i.last_bucket)}",
                    f"types: {', '.join(types)}",
                    f"cohorts: {_text(i.cohorts)}",
                    f"subjects: {_text(i.subjects)}",
                ],
                [_chart_link(t, i.model_id, text=sections[s]) for s, t in charted.items()],
                Table(shown + ", and their alerts", _alert_columns(with_model), groups=groups),
            )
        )
    total = int(found["n_incidents"].iloc[0])
    note = f"The {len(found)} most recent of {total} incidents." if total > len(found) else ""
    # records, not a tree by model: the timeline shows every model's incidents, as the list does
    timeline = [
        {k: _value(v) for k, v in zip(TIMELINE_COLUMNS, row)} for row in found[TIMELINE_COLUMNS].itertuples(index=False)
    ]
    return Content({"timeline": timeline}, incidents=items, note=note)


def _findings(title: Any, onset: Any) -> str:
    """A title without the onset it begins with ("2026-02-09: ..."), where the list and the
    timeline show the onset on their own."""
    title, prefix = str(title), f"{_text(onset) or 'standing'}: "
    return title[len(prefix) :] if title.startswith(prefix) else title


def _episode_head(e) -> list:
    first, last = _text(e.first_bucket), _text(e.last_bucket)
    span = "standing" if not first else first if first == last else f"{first} → {last}"
    head = [
        _badge(e.alert_type, e.peak_severity),
        _where(e.cohort_name, e.cohort_value),
        _text(e.subject),
        f"{span}, {_count(e.buckets_alerting, 'bucket')} alerting",
        f"peak {_text(e.peak_metric)} {_text(e.peak_value)}",
    ]
    if e.is_open:
        head.append(_badge("open", "status-open"))
    return head + [_chart_link(e.alert_type, e.model_id, e.cohort_name, e.cohort_value, e.subject)]


def _confidence(r: _Reader) -> Content:
    return Content({"rows": r.chart("ml_monitor_report__confidence", "cohort", "predicted_class")})


def _class_mix(r: _Reader) -> Content:
    data = {"shares": r.chart("ml_monitor_report__class_shares", "predicted_class")}
    if r.exists("ml_monitor_report__class_drift"):
        data["drift"] = r.chart("ml_monitor_report__class_drift", "cohort")
    return Content(data)


def _threshold_bands(r: _Reader) -> Content:
    data = {
        "counts": r.chart("ml_monitor_report__threshold_bands", "predicted_class", order="bucket_start, band"),
        # a (bucket, class) has one threshold: sent once, not once per band
        "thresholds": r.chart("ml_monitor_report__thresholds", "predicted_class"),
    }
    fitted = "ml_monitor_thresholds"  # written by fit-thresholds
    if not r.exists(fitted):
        return Content(data)
    return Content(data, [_python_table(r, fitted, "Fitted thresholds (holdout split)", "model_id, predicted_class")])


def _schema(r: _Reader) -> Content:
    diff, nulls = "ml_monitor_report__schema_diff", "ml_monitor_report__null_fractions"
    content = Content()
    if r.exists(diff):
        df = r.view(diff, "case status when 'unchanged' then 1 else 0 end, column_name", limit=MAX_ROWS)
        content.tables.append(
            Table(
                "Schema: reference against serving",
                ["column", "reference type", "serving type", "status"],
                [
                    [
                        _text(d.column_name),
                        _text(d.reference_type),
                        _text(d.serving_type),
                        _badge(d.status, f"status-{d.status}"),
                    ]
                    for d in df.itertuples(index=False)
                ],
            )
        )
    if r.exists(nulls):
        content.data["nulls"] = r.chart(nulls, "column_name")
        content.tables.append(
            _table(
                r,
                "ml_monitor_report__null_fractions_overall",
                "Null fractions over the whole log",
                "is_alert desc, abs(coalesce(delta, 0)) desc, column_name",
            )
        )
    return content


def _performance(r: _Reader) -> Content:
    measured, estimated = "ml_monitor_report__performance", "ml_monitor_report__estimated_performance"
    metrics, checks = "ml_monitor_report__estimated_metrics", "ml_monitor_report__estimator_checks"
    data = {}
    if r.exists(measured):
        data["measured"] = r.chart(measured, "predicted_class")
    if r.exists(estimated):
        data["estimated"] = r.chart(estimated)
    if r.exists(metrics):  # every estimated metric with its alerting and checking bands
        data["metrics"] = r.chart(metrics, "metric", "predicted_class")
    content = Content(data)
    if r.exists(checks):
        content.tables.append(
            _table(
                r,
                checks,
                "Estimator checks: realised accuracy outside its checking band (estimator_unreliable)",
                "is_alert desc, n_misses desc, bucket_start desc",
            )
        )
    return content


def _segments(r: _Reader) -> Content:
    return Content(
        tables=[
            _table(
                r,
                "ml_monitor_report__segments",
                "The cohort values carrying each population alert (first three)",
                "bucket_start desc, alert_type, subject, contribution_rank",
                f"contribution_rank <= {MAX_SEGMENTS}",
            )
        ]
    )


def _feature_drift(r: _Reader) -> Content:
    return Content({"rows": r.chart("ml_monitor_report__feature_drift", "feature")})


def _log_health(r: _Reader) -> Content:
    volume, coverage = "ml_monitor_report__volume", "ml_monitor_report__label_coverage"
    freshness, history = "ml_monitor_report__freshness", "ml_monitor_report__schema_history"
    content = Content()
    if r.exists(volume):
        content.data["volume"] = r.chart(volume, "cohort")
    if r.exists(coverage):
        content.data["coverage"] = r.chart(coverage, "cohort")
    if r.exists(freshness):
        content.tables.append(_table(r, freshness, "Freshness at the run's now", "model_id, stream"))
    if r.exists(history):
        content.tables.append(
            _table(r, history, "Schema history (as runs observed it)", "column_name, first_observed_at")
        )
    return content


def _missing_columns(r: _Reader, table: str, *columns: str) -> str:
    return "" if r.has(table, *columns) else f"{table} lacks the columns {', '.join(columns)}."


def _embeddings(r: _Reader) -> Content:
    proj, drift = "ml_monitor_embedding_projection", "ml_monitor_embedding_drift"
    required = ("model_id", "class", "source", "x", "y")
    if note := _missing_columns(r, proj, *required):
        return Content(note=note)
    q = r.wh.quote
    part = f"model_id, {q('class')}, {q('source')}"
    # sample ids are a random sample already: the first ones by id are a fair subsample
    order = q("sample_id") if r.has(proj, "sample_id") else "x, y"
    classes = f"select {q('class')} from {r.rel(proj)} group by {q('class')} order by count(*) desc limit {MAX_CLASSES}"
    data = {
        "points": r.tree(
            f"select {', '.join(q(c) for c in required)} from (select p.*, row_number() over"
            f" (partition by {part} order by {order}) as rn from {r.rel(proj)} p"
            f" where {q('class')} in ({classes})) s where rn <= {MAX_POINTS}",
            "class",
            "source",
        )
    }
    if r.exists(drift) and r.has(drift, "model_id", "class", "window", "domain_auc"):
        columns = ["model_id", "class", "window", "window_start", "n_reference", "n_serving", "domain_auc", "is_drift"]
        data["drift"] = r.tree(
            f"select {r.cols(drift, columns)} from {r.rel(drift)} order by {q('window')} limit {MAX_ROWS * 5}", "class"
        )
    return Content(data)


def _explanations(r: _Reader) -> Content:
    by_class, samples = "ml_monitor_class_explanations", "ml_monitor_explanations"
    if note := _missing_columns(r, by_class, "model_id", "explained_class", "feature", "mean_weight"):
        return Content(note=note)
    strength = "mean_abs_weight" if r.has(by_class, "mean_abs_weight") else "abs(mean_weight)"
    classes = (
        f"select explained_class from {r.rel(by_class)} group by explained_class"
        f" order by explained_class limit {MAX_CLASSES}"
    )
    data = {
        "classes": r.tree(
            f"select model_id, explained_class, feature, mean_weight from (select c.*, row_number() over"
            f" (partition by model_id, explained_class order by {strength} desc, feature) as rn from {r.rel(by_class)} c"
            f" where explained_class in ({classes})) s where rn <= {MAX_TOKENS} order by rn",
            "explained_class",
        )
    }
    if r.exists(samples) and r.has(samples, "model_id", "prediction_id", "explained_class", "feature", "weight"):
        data["samples"] = _samples(r, samples)
    return Content(data)


def _samples(r: _Reader, table: str) -> dict[str, list[dict]]:
    """A few explained predictions, one per class first, with their text where the label
    queue has it and their strongest tokens."""
    queue = "ml_monitor_label_queue"
    with_text = r.exists(queue) and r.has(queue, "prediction_id", "input_text")
    text = "q.input_text" if with_text else "cast(null as varchar(1))"
    join = (
        (
            f" left join (select prediction_id, max(input_text) as input_text from {r.rel(queue)}"
            f" group by prediction_id) q on q.prediction_id = e.prediction_id"
        )
        if with_text
        else ""
    )
    candidates = r.frame(
        f"select * from (select distinct e.model_id, e.prediction_id, e.explained_class, {text} as input_text"
        f" from {r.rel(table)} e{join}) s"
        f" order by case when input_text is null then 1 else 0 end, prediction_id limit {MAX_ROWS}"
    )
    first = candidates.groupby(["model_id", "explained_class"], sort=False).head(1)
    chosen = pd.concat([first, candidates.drop(first.index)]).head(MAX_SAMPLES)
    if chosen.empty:
        return {}
    ids = list(chosen["prediction_id"].astype(str))
    weights = r.frame(
        f"select prediction_id, feature, weight from {r.rel(table)} where prediction_id in ({_marks(ids)})",
        ids,
    )
    weights = weights.assign(strength=weights["weight"].abs()).sort_values("strength", ascending=False)
    result: dict[str, list[dict]] = {}
    for s in chosen.itertuples(index=False):
        top = weights[weights["prediction_id"] == s.prediction_id].head(MAX_TOKENS)
        result.setdefault(str(s.model_id), []).append(
            {
                "id": _value(s.prediction_id),
                "class": _value(s.explained_class),
                "text": _text(s.input_text, MAX_TEXT * 2) or None,
                "tokens": [[_value(f), _value(w)] for f, w in zip(top["feature"], top["weight"])],
            }
        )
    return result


def _label_queue(r: _Reader) -> Content:
    return Content(
        tables=[
            _python_table(
                r,
                "ml_monitor_label_queue",
                f"Next to label (first {MAX_ROWS} by priority)",
                "priority, reason, prediction_id",
                [
                    "priority",
                    "reason",
                    "model_id",
                    "predicted_class",
                    "confidence",
                    "threshold",
                    "label",
                    "predicted_at",
                    "prediction_id",
                    "input_text",
                ],
            )
        ]
    )


def _perturbation(r: _Reader) -> Content:
    table = "ml_monitor_perturbation_checks"
    if note := _missing_columns(r, table, "model_id", "perturbation", "flip_rate"):
        return Content(note=note)
    columns = [
        "model_id",
        "perturbation",
        "predicted_class",
        "n",
        "flip_rate",
        "mean_abs_confidence_change",
        "tolerance",
        "is_failure",
    ]
    failing = "is_failure desc, " if r.has(table, "is_failure") else ""
    order = f"{failing}flip_rate desc, perturbation"
    rows = r.tree(f"select {r.cols(table, columns)} from {r.rel(table)} order by {order} limit {MAX_ROWS}")
    return Content({"rows": rows}, [_python_table(r, table, "Perturbation checks", order, columns)])


def _calibration(r: _Reader) -> Content:
    series, bins = "ml_monitor_report__calibration", "ml_monitor_report__reliability_bins"
    data = {}
    if r.exists(series):
        data["series"] = r.chart(series, "scope")
    if r.exists(bins):  # the reliability diagram: the holdout's bins against the latest week's
        data["bins"] = r.chart(bins, "scope", order="bin")
    return Content(data)


def _multivariate(r: _Reader) -> Content:
    table = "ml_monitor_multivariate_drift"
    if note := _missing_columns(r, table, "model_id", "window_start", "domain_auc"):
        return Content(note=note)
    columns = [
        "model_id",
        "window",
        "window_start",
        "n_reference",
        "n_serving",
        "features",
        "dropped_features",
        "domain_auc",
        "p_value",
        "threshold",
        "is_drift",
        "reconstruction_error",
        "reconstruction_lower",
        "reconstruction_upper",
        "is_reconstruction_drift",
    ]
    order = "window_start"
    rows = r.tree(f"select {r.cols(table, columns)} from {r.rel(table)} order by {order} limit {MAX_ROWS}")
    return Content({"rows": rows})


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    tables: tuple[str, ...]  # the section shows when any of them exists
    command: str  # what computes them
    lead: str
    load: Callable[[_Reader], Content]


BUILD = "ml-monitor build"
SECTIONS = (
    Section(
        "incidents",
        "Incidents",
        ("ml_monitor_incidents",),
        BUILD,
        "Alerts that began together, as one incident each: when it began and whether it is still open. "
        "Each expands to its episodes (runs of alerting buckets of one series) and their alerts.",
        _incidents,
    ),
    Section(
        "alerts",
        "Alerts",
        ("ml_monitor_report__alerts",),
        BUILD,
        "What fired, when, where and how bad, by alert type; each row links to its chart.",
        _alerts,
    ),
    Section(
        "segments",
        "Which cohorts matter",
        ("ml_monitor_report__segments",),
        BUILD,
        "For each alert of the whole population, the cohort values that carry most of the move: "
        "share is a value's part of its cohort column's weight × effect.",
        _segments,
    ),
    Section(
        "confidence",
        "Confidence over time",
        ("ml_monitor_report__confidence",),
        BUILD,
        "Mean confidence per bucket against the band the anomaly rule accepts, and the spread of "
        "individual confidences.",
        _confidence,
    ),
    Section(
        "class-mix",
        "Class mix",
        ("ml_monitor_report__class_shares",),
        BUILD,
        "Share of each predicted class against its share in the training data, and the drift statistics per bucket.",
        _class_mix,
    ),
    Section(
        "threshold-bands",
        "Threshold bands",
        ("ml_monitor_report__threshold_bands",),
        BUILD,
        "Predictions per score band around the decision threshold: mass near the threshold is "
        "where decisions are fragile.",
        _threshold_bands,
    ),
    Section(
        "schema",
        "Schema and null fractions",
        ("ml_monitor_report__schema_diff", "ml_monitor_report__null_fractions"),
        BUILD,
        "Columns added, dropped or retyped since training, and null fractions against the reference.",
        _schema,
    ),
    Section(
        "performance",
        "Performance",
        ("ml_monitor_report__performance", "ml_monitor_report__estimated_performance"),
        BUILD,
        "Accuracy measured on the labels that arrived, and accuracy estimated from calibrated "
        "confidence (no labels needed).",
        _performance,
    ),
    Section(
        "calibration",
        "Calibration",
        ("ml_monitor_report__calibration",),
        BUILD,
        "Whether confidence still means what it meant on the holdout, on the labelled rows: expected "
        "calibration error and Brier score over time, and the reliability diagram of the latest week.",
        _calibration,
    ),
    Section(
        "log-health",
        "Log health",
        ("ml_monitor_report__volume", "ml_monitor_report__label_coverage", "ml_monitor_report__freshness"),
        BUILD,
        "Rows logged per cohort against the volume expected of the bucket (the same weekday over the "
        "last weeks), label coverage and lag, freshness and the schema as runs saw it.",
        _log_health,
    ),
    Section(
        "feature-drift",
        "Feature drift",
        ("ml_monitor_report__feature_drift",),
        BUILD,
        "Drift of each input feature against the training data, per bucket.",
        _feature_drift,
    ),
    Section(
        "multivariate",
        "Multivariate drift",
        ("ml_monitor_multivariate_drift",),
        "ml-monitor multivariate",
        "Changes of the features taken together (such as two features that start to move together): a "
        "domain classifier's AUC per window, and PCA reconstruction error against the reference's band.",
        _multivariate,
    ),
    Section(
        "embeddings",
        "Embeddings (UMAP)",
        ("ml_monitor_embedding_projection",),
        "ml-monitor project",
        "Each class's inputs mapped in two dimensions: serving samples over the reference map, "
        "and a domain classifier's AUC per window (0.5: indistinguishable).",
        _embeddings,
    ),
    Section(
        "explanations",
        "Explanations (LIME)",
        ("ml_monitor_class_explanations",),
        "ml-monitor explain",
        "Tokens or features that push predictions towards each class, and a few explained predictions.",
        _explanations,
    ),
    Section(
        "label-queue",
        "Label queue",
        ("ml_monitor_label_queue",),
        BUILD,
        "Predictions worth labelling next, by reason and priority.",
        _label_queue,
    ),
    Section(
        "perturbation",
        "Perturbation checks",
        ("ml_monitor_perturbation_checks",),
        "ml-monitor perturb",
        "How often a small change of the input flips the predicted class.",
        _perturbation,
    ),
)


# --- page ----------------------------------------------------------------------------------


def _settings(r: _Reader) -> dict:
    """The settings the charts draw (grain, rolling window, reference lines), as dbt resolved them."""
    view = "ml_monitor_report__settings"
    settings = r.frame(f"select * from {r.rel(view)}").iloc[0].to_dict() if r.exists(view) else {}
    return {**{k: _value(v) for k, v in settings.items()}, "band_sd": BAND_SD}


def _time_axis(r: _Reader) -> list | None:
    """The first and last bucket the time series show, so that the incident timeline and the
    alert heatmap place their buckets on one axis (the confidence series has every bucket)."""
    view = "ml_monitor_report__confidence"
    if not r.exists(view):
        return None
    span = r.frame(
        f"select min(bucket_start) as t0, max(bucket_start) as t1 from {r.rel(view)}"
        f" where bucket_rank <= {RANK_LIMITS['bucket_rank']}"
    )
    return [_value(v) for v in span.iloc[0]]


def _models(content: dict[str, Content]) -> list[str]:
    """Every model that has data in some chart (the keys of the by-model payloads)."""
    found: set[str] = set()
    for c in content.values():
        for value in c.data.values():
            if isinstance(value, dict):
                found.update(value)
    return sorted(found)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ml_monitor", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _asset(name: str) -> Markup:
    # our own files, inlined verbatim (Jinja would otherwise parse braces in the JS)
    return Markup((resources.files("ml_monitor") / "templates" / name).read_text(encoding="utf-8"))


def build_report(warehouse: Warehouse, title: str = "ml_monitor report") -> str:
    """The report's HTML: every section whose tables exist, from bounded queries (the
    settings view carries the vars the charts draw)."""
    reader = _Reader(warehouse)
    present = {s.id: any(reader.exists(t) for t in s.tables) for s in SECTIONS}
    content = {s.id: s.load(reader) for s in SECTIONS if present[s.id]}
    payload = {
        "settings": _settings(reader),
        "all": ALL,  # the rows of every class or cohort value
        "models": _models(content),
        "axis": _time_axis(reader),
        "sections": {sid: c.data for sid, c in content.items()},
    }
    return (
        _environment()
        .get_template("report.html")
        .render(
            title=title,
            schema=warehouse.schema,
            sections=SECTIONS,
            present=present,
            content=content,
            generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            models=payload["models"],
            max_buckets=MAX_BUCKETS,
            shown_rows=SHOWN_ROWS,
            data_json=Markup(script_json(payload)),
            style=_asset("report.css"),
            script=_asset("report.js"),
        )
    )


def write_report(warehouse: Warehouse, path: str | Path) -> Path:
    """Write the report to `path` atomically (a temporary file renamed over it)."""
    path = Path(path)
    html = build_report(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        os.chmod(temp, 0o644)  # mkstemp's 0600 would hide the report from others
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
