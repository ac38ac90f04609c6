"""Notifications: every new, escalated, reopened or resolved incident reaches each channel once.

A channel is an Apprise URL (Slack, Microsoft Teams, email, PagerDuty, a JSON webhook, …).
What a channel has been told lives in the warehouse, next to the incidents, in
`ml_monitor_notifications` (one row per incident and channel: the status, severity and
number of alerting series last delivered, when, and the failed tries since). A run compares
`ml_monitor_incidents` with it and sends, per channel, one message per change (or one digest):

- new: an open incident the channel has not been told about;
- escalated: warning → critical, or spread to more series (alert type × cohort × subject),
  unless the incident is acknowledged (`ml_monitor_acknowledgements`, until it resolves);
- resolved, or reopened: the status changed since the last delivery.

Delivery is at least once, never twice for one change: the state of a change is written
only after its channel accepted the message, so a failed send is retried by the next run,
and one notify at a time works on a schema (see `_exclusive`). A crash between the send and
the write resends that one message.

Channel URLs hold secrets. They are never printed, logged or stored: the state table keys a
channel by a slow hash of its URL, what is shown is `scheme://…/*** [key]`, and every error
text (Apprise's included) passes through `Redactor` first.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import pandas as pd

from .errors import MonitorError
from .names import ACKNOWLEDGEMENTS, ALERT_EPISODES, ALL, INCIDENTS, NOTIFICATIONS
from .warehouse import PostgresWarehouse, Warehouse

TRIES = 3
RETRY_DELAYS = (1.0, 4.0)  # seconds before the second and the third try
LOCK_WAIT_SECONDS = 600  # how long a notify waits for another one to finish (PostgreSQL)
TOP_ALERTS = 3  # strongest alerts quoted per incident
LISTED = 6  # cohorts or subjects named per line before "+n more"
MAX_ERROR = 500  # characters of an error kept in the state table

STATE_TYPES = {
    "incident_id": "string",
    "channel_key": "string",
    "status_sent": "string",
    "severity_sent": "string",
    "n_series_sent": "Int64",
    # new, escalated, reopened, resolved; or history: an incident that had already
    # resolved before the channel's first run, recorded without a message
    "change_sent": "string",
    "sent_at": "datetime64[us]",
    "attempts": "Int64",  # tries since the last delivery, including the one that delivered
    "last_error": "string",  # redacted; NULL once delivered
}
ACK_TYPES = {
    "incident_id": "string",
    "acknowledged_at": "datetime64[us]",
    "acknowledged_by": "string",
    "note": "string",
}

SEVERITY_RANK = {"warning": 0, "critical": 1}
# what an alert type's subject is, to say "where" in words (confidence: per predicted class)
SUBJECT_KINDS = {
    "confidence_anomaly": "classes",
    "embedding_drift": "classes",
    "calibration_drift": "classes",
    "performance_drop": "metrics",
    "feature_drift": "features",
    "null_fraction": "columns",
    "schema_change": "columns",
    "data_quality": "reasons",
    "perturbation_failure": "checks",
}


# --- channels and redaction --------------------------------------------------------------


class Redactor:
    """Replaces every part of the channel URLs that could be a secret with `***`.

    Apprise and the HTTP/SMTP libraries under it name hosts, paths and tokens in their
    errors, in forms other than the URL given (decoded, rebuilt from parts), so every
    component of every URL is replaced wherever it appears; a harmless word of a URL
    (a host, a query key) is redacted along with the rest.
    """

    def __init__(self, urls: Iterable[str] = ()):
        parts: set[str] = set()
        for url in urls:
            rest = url.partition("://")[2] or url
            pieces = {url, rest, *re.split(r"[/:@?&=#,;]+", rest)}
            pieces |= {unquote(p) for p in pieces}
            # a password is a secret however short; other pieces of two characters or
            # fewer (a port digit, "to") would blank out ordinary words
            password = _password(url)
            pieces = {p for p in pieces if len(p) >= 3} | ({password, unquote(password)} - {""})
            # and Apprise's own mask of a secret, its first and last character around "..."
            parts |= pieces | {f"{p[0]}...{p[-1]}" for p in pieces}
        self._pattern = re.compile("|".join(map(re.escape, sorted(parts, key=len, reverse=True)))) if parts else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub("***", text) if self._pattern else text


def _password(url: str) -> str:
    try:
        return urlsplit(url).password or ""
    except ValueError:  # not a URL urllib can split: its pieces are redacted all the same
        return ""


def channel_key(url: str) -> str:
    """The channel's name in the state table: a slow, salted hash of its URL, so that the
    stored key is no cheap oracle for guessing a weak password inside the URL."""
    return hashlib.pbkdf2_hmac("sha256", url.encode(), b"ml_monitor notify", 100_000).hex()[:16]


@dataclass
class Channel:
    key: str
    name: str  # what is shown: scheme://…/*** [key]
    url: str = field(repr=False)
    apprise: object = field(repr=False, default=None)


def channels(urls: Iterable[str]) -> list[Channel]:
    """The channels of these Apprise URLs (duplicates once), each checked by Apprise before
    anything is sent, so a typo stops the run instead of silently dropping a channel."""
    found: dict[str, Channel] = {}
    for url in (u.strip() for u in urls):
        if not url:
            continue
        key = channel_key(url)
        scheme = url.partition("://")[0] if "://" in url else ""
        name = f"{scheme}://…/*** [{key[:8]}]" if scheme else f"*** [{key[:8]}]"
        if key not in found:
            found[key] = Channel(key, name, url)
    if not found:
        return []
    import apprise  # loads its ~150 service plugins: only when there is a channel

    redact = Redactor(c.url for c in found.values())
    for channel in found.values():
        channel.apprise = apprise.Apprise()
        with _apprise_log() as log:
            added = channel.apprise.add(channel.url)
        if not added:
            detail = redact("; ".join(log)) or "unknown service or missing parts"
            raise MonitorError(f"notify: {channel.name} is not a URL Apprise can send to ({detail})")
    return list(found.values())


class _Collect(logging.Handler):
    def __init__(self, lines: list[str]):
        super().__init__(logging.WARNING)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def _apprise_log() -> Iterator[list[str]]:
    """Apprise's warnings and errors, collected instead of printed: they can name a host or
    a token of the URL, so they are shown only through the Redactor."""
    logger = logging.getLogger("apprise")
    lines: list[str] = []
    handler, propagate = _Collect(lines), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


# --- state -----------------------------------------------------------------------------------


def _read(wh: Warehouse, table: str, types: dict[str, str]) -> pd.DataFrame:
    frame = wh.query(f"select * from {wh.relation(table)}") if wh.table_exists(table) else pd.DataFrame()
    return _typed(frame.to_dict("records"), types)


def _typed(rows: list[dict], types: dict[str, str]) -> pd.DataFrame:
    """Rows as a frame of fixed column types, so that a column of NULLs is still written
    with its type (the warehouse infers a column's type from the frame)."""
    frame = pd.DataFrame(rows, columns=list(types))
    for column, dtype in types.items():
        values = frame[column].astype(object).where(frame[column].notna(), None)
        frame[column] = pd.to_datetime(values) if dtype.startswith("datetime") else values
        frame[column] = frame[column].astype(dtype)
    return frame


def _now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").tz_localize(None)


@contextmanager
def _exclusive(wh: Warehouse) -> Iterator[None]:
    """Hold the notify lock of this schema while reading, sending and recording, so that two
    notify processes never send the same change twice.

    PostgreSQL: a session-level advisory lock on a key derived from the schema; a second
    notify waits for the first, then reads what it recorded. The server releases the lock
    when the session ends, so a killed process never leaves it held. DuckDB: the file admits
    one writing process, and this one keeps it open from reading to recording, so another
    notify (or dbt) cannot open it meanwhile. Spark has no lock (see the README).
    """
    if not isinstance(wh, PostgresWarehouse):
        yield
        return
    key = int.from_bytes(hashlib.sha256(f"ml_monitor notify {wh.schema}".encode()).digest()[:8], "big", signed=True)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    # polled rather than blocking, so that Ctrl-C stays responsive while waiting
    while not bool(wh.query("select pg_try_advisory_lock(?) as locked", [key])["locked"].iloc[0]):
        if time.monotonic() > deadline:
            raise MonitorError(
                f"notify: another ml-monitor notify has held the lock of schema {wh.schema} "
                f"for {LOCK_WAIT_SECONDS} s; retry when it has finished"
            )
        time.sleep(0.2)
    try:
        yield
    finally:
        # a connection that broke has released the lock already: keep the first error
        with suppress(Exception):
            wh.query("select pg_advisory_unlock(?) as unlocked", [key])


class _State:
    """The notification state of every incident and channel, written back whole (an atomic
    table swap) after every delivery."""

    def __init__(self, wh: Warehouse):
        self.wh = wh
        frame = _read(wh, NOTIFICATIONS, STATE_TYPES)
        self.rows = {(r["incident_id"], r["channel_key"]): r for r in _records(frame)}

    def of(self, channel: Channel) -> dict[str, dict]:
        return {incident: row for (incident, key), row in self.rows.items() if key == channel.key}

    def record(self, channel: Channel, updates: dict[str, dict]) -> None:
        for incident_id, values in updates.items():
            row = self.rows.setdefault(
                (incident_id, channel.key), {"incident_id": incident_id, "channel_key": channel.key, "attempts": 0}
            )
            row.update(values)
        self.wh.replace_table(NOTIFICATIONS, _typed(list(self.rows.values()), STATE_TYPES))


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with None for every NULL (NA, NaN and NaT alike)."""
    return [{k: (None if _missing(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


# --- incidents -----------------------------------------------------------------------------


def _require_incidents(wh: Warehouse) -> str:
    """The incidents table's relation; a clear error when dbt has not built it yet."""
    if not wh.table_exists(INCIDENTS):
        raise MonitorError(f"no table {INCIDENTS} in schema {wh.schema}: run `ml-monitor build` (or dbt build) first")
    return wh.relation(INCIDENTS)


def _incidents(wh: Warehouse) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every incident with its number of alerting series (alert type × cohort × subject,
    whatever their episodes), and every episode (dbt builds the two tables together)."""
    incidents = wh.query(f"select * from {_require_incidents(wh)}")
    episodes = wh.query(f"select * from {wh.relation(ALERT_EPISODES)}")
    series = episodes.drop_duplicates(["incident_id", "alert_type", "cohort_name", "cohort_value", "subject"])
    incidents["n_series"] = incidents["incident_id"].map(series.groupby("incident_id").size()).fillna(0).astype(int)
    return incidents, episodes


def _acknowledged(wh: Warehouse) -> pd.DataFrame:
    return _read(wh, ACKNOWLEDGEMENTS, ACK_TYPES)


def _find(incidents: pd.DataFrame, incident_id: str) -> dict:
    """The incident with this id, or the only one whose id begins with it."""
    ids = incidents["incident_id"].astype(str)
    matches = (
        incidents[ids == incident_id] if (ids == incident_id).any() else incidents[ids.str.startswith(incident_id)]
    )
    if len(matches) != 1:
        raise MonitorError(
            f"incident {incident_id!r} "
            + (
                "not found: `ml-monitor incidents` lists the open ones"
                if matches.empty
                else f"is ambiguous ({len(matches)} ids begin with it): give more of it"
            )
        )
    return _records(matches)[0]


def open_incidents(wh: Warehouse) -> pd.DataFrame:
    """The open incidents, the most recent first, and whether each is acknowledged."""
    from .report import INCIDENT_ORDER

    found = wh.query(
        f"select incident_id, severity, onset, title from {_require_incidents(wh)}"
        f" where status = 'open' order by {INCIDENT_ORDER}"
    )
    return found.assign(acknowledged=found["incident_id"].isin(set(_acknowledged(wh)["incident_id"])))


def acknowledge(wh: Warehouse, incident_id: str, note: str | None = None) -> str:
    """Acknowledge an open incident (an id or a unique prefix): no escalation is sent for it
    until it resolves; its resolution is. Returns the full id."""
    incident = _find(wh.query(f"select incident_id, status from {_require_incidents(wh)}"), incident_id)
    if incident["status"] != "open":
        raise MonitorError(f"incident {incident['incident_id']} is {incident['status']}: nothing to acknowledge")
    acks = _records(_acknowledged(wh))
    acks = [a for a in acks if a["incident_id"] != incident["incident_id"]] + [
        {"incident_id": incident["incident_id"], "acknowledged_at": _now(), "acknowledged_by": _user(), "note": note}
    ]
    wh.replace_table(ACKNOWLEDGEMENTS, _typed(acks, ACK_TYPES))
    return incident["incident_id"]


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (a container without one)
        return None


# --- what changed -------------------------------------------------------------------------------


@dataclass
class Change:
    kind: str  # new, escalated, reopened, resolved
    incident: dict  # its ml_monitor_incidents row, with n_series
    before: dict | None  # what the channel was last told, if anything


def changes(incidents: pd.DataFrame, told: dict[str, dict], acknowledged: set[str]) -> tuple[list[Change], list[dict]]:
    """What to send to a channel that was told `told` (its state rows by incident), and the
    incidents to record as history: already resolved when the channel first ran."""
    first_run = not told
    found, history = [], []
    for incident in _records(incidents):
        before = told.get(incident["incident_id"])
        status_sent = before and before["status_sent"]
        if status_sent is None:
            if incident["status"] == "open":
                found.append(Change("new", incident, before))
            elif first_run:
                history.append(incident)
            else:  # opened and resolved between two runs: said once, as resolved
                found.append(Change("resolved", incident, before))
        elif status_sent != incident["status"]:
            found.append(Change("resolved" if incident["status"] == "resolved" else "reopened", incident, before))
        elif (
            incident["status"] == "open"
            and incident["incident_id"] not in acknowledged
            and (
                SEVERITY_RANK.get(incident["severity"], 0) > SEVERITY_RANK.get(before["severity_sent"], 0)
                or incident["n_series"] > (before["n_series_sent"] or 0)
            )
        ):
            found.append(Change("escalated", incident, before))
    # a change that failed before goes last, so that a message a channel refuses for its
    # content cannot hold back the others; then the oldest first
    found.sort(
        key=lambda c: (
            bool(c.before and c.before["last_error"]),
            c.incident["onset"] is None,
            str(c.incident["onset"]),
            c.incident["incident_id"],
        )
    )
    return found, history


def _sent_values(incident: dict, kind: str) -> dict:
    return {
        "status_sent": incident["status"],
        "severity_sent": incident["severity"],
        "n_series_sent": incident["n_series"],
        "change_sent": kind,
    }


# --- messages --------------------------------------------------------------------------------


@dataclass
class Message:
    title: str
    body: str  # markdown: chat services render it, email gets it as HTML and as text
    notify_type: str  # Apprise's info, success, warning or failure
    changes: list[Change]


def _day(value) -> str:
    return "standing" if _missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _number(value) -> str:
    return "" if _missing(value) else f"{float(value):.3g}"


def _listed(values: list[str]) -> str:
    shown = ", ".join(values[:LISTED])
    return shown + (f" (+{len(values) - LISTED} more)" if len(values) > LISTED else "")


def _link(report_url: str | None, incident_id: str) -> str | None:
    if not report_url:
        return None
    url = f"{report_url.split('#')[0]}#incident-{incident_id}"
    return f"[{url}]({url})"  # the address as the text: plain-text email keeps only the text


def _headline(change: Change) -> str:
    incident, kind = change.incident, change.kind
    severity = str(incident["severity"]).upper()
    return {
        "new": f"{severity} incident",
        "escalated": f"{severity} incident escalated",
        "reopened": f"{severity} incident reopened",
        "resolved": "Resolved",
    }[kind] + f": {incident['title']}"


def _what_changed(change: Change) -> str | None:
    before, incident = change.before, change.incident
    if change.kind == "escalated":
        moves = []
        if before["severity_sent"] != incident["severity"]:
            moves.append(f"{before['severity_sent']} → {incident['severity']}")
        if incident["n_series"] != before["n_series_sent"]:
            moves.append(f"alerting series {before['n_series_sent']} → {incident['n_series']}")
        return "Escalated: " + "; ".join(moves)
    if change.kind == "resolved" and not (before and before["status_sent"]):
        return "Opened and resolved since the last run."
    return None


def _alert_line(e: dict) -> str:
    where = "all" if e["cohort_name"] == ALL else f"{e['cohort_name']}={e['cohort_value']}"
    subject = "" if e["subject"] in (None, ALL) else f" on {e['subject']}"
    value = (
        f"{e['peak_metric']} {_number(e['peak_value'])} (threshold {_number(e['peak_threshold'])})"
        if not _missing(e["peak_value"])
        else str(e["peak_metric"])
    )
    return f"- {e['peak_severity']} {e['alert_type']} in {where}{subject}: {value}, from {_day(e['first_bucket'])}"


def _strongest(episodes: pd.DataFrame) -> list[str]:
    """The strongest alerts: one per series, the strongest of each alert type before the
    second of any, so that one type with huge effects (a PSI of 7) does not hide the
    others; within that, critical first and the largest effect relative to its threshold
    (a schema change, a fact without a value, ranks with the largest)."""

    def strength(e: dict) -> tuple:
        ratio = (
            abs(e["peak_value"]) / e["peak_threshold"]
            if not _missing(e["peak_value"]) and e["peak_threshold"]
            else math.inf
        )
        return (-SEVERITY_RANK.get(e["peak_severity"], 0), -ratio)

    best: dict[tuple, dict] = {}  # the strongest episode of each series, strongest first
    for e in sorted(_records(episodes), key=strength):
        best.setdefault((e["alert_type"], e["cohort_name"], e["cohort_value"], e["subject"]), e)
    rank_in_type: Counter = Counter()
    keyed = []
    for position, e in enumerate(best.values()):
        keyed.append((rank_in_type[e["alert_type"]], position, e))
        rank_in_type[e["alert_type"]] += 1
    return [_alert_line(e) for *_, e in sorted(keyed, key=lambda k: k[:2])[:TOP_ALERTS]]


def _where(incident: dict, episodes: pd.DataFrame) -> list[str]:
    """Cohorts, then the subjects by what they are (classes, features, columns, …)."""
    lines = [] if _missing(incident["cohorts"]) else [f"- **Where:** {_listed(str(incident['cohorts']).split(', '))}"]
    kinds: dict[str, set[str]] = {}
    for alert_type, subject in zip(episodes["alert_type"], episodes["subject"]):
        if alert_type in SUBJECT_KINDS and not _missing(subject) and subject != ALL:
            kinds.setdefault(SUBJECT_KINDS[alert_type], set()).add(str(subject))
    return lines + [
        f"- **{kind.capitalize()}:** {_listed(sorted(subjects))}" for kind, subjects in sorted(kinds.items())
    ]


def message(change: Change, episodes: pd.DataFrame, report_url: str | None = None) -> Message:
    """One incident's change as a message: severity, status, what changed, what and where,
    the strongest alerts with value against threshold, and the link to it in the report."""
    incident = change.incident
    mine = episodes[episodes["incident_id"] == incident["incident_id"]]
    status = (
        f"open since {_day(incident['onset'])}"
        if incident["status"] == "open"
        else f"resolved; alerted {_day(incident['onset'])} to {_day(incident['last_bucket'])}"
    )
    lines = [f"**{str(incident['severity']).upper()}** · {status} · model {incident['model_id']}"]
    if what := _what_changed(change):
        lines += ["", what]
    lines += [
        "",
        f"- **What:** {incident['alert_types']} ({incident['n_alerts']} alerting buckets in "
        f"{incident['n_episodes']} episodes, {incident['n_series']} series)",
        *_where(incident, mine),
    ]
    if strongest := _strongest(mine):
        lines += ["", "**Strongest alerts:**", "", *strongest]
    lines += [
        "",
        f"Incident {incident['incident_id']}"
        + (
            f" · `ml-monitor ack {str(incident['incident_id'])[:8]}` silences escalations until it resolves"
            if incident["status"] == "open"
            else ""
        ),
    ]
    if link := _link(report_url, incident["incident_id"]):
        lines.append(f"Report: {link}")
    return Message(_headline(change), "\n".join(lines), _notify_type([change]), [change])


def digest(found: list[Change], report_url: str | None = None) -> Message:
    """Every change of one run as one message, a line each."""
    lines = []
    for change in found:
        link = _link(report_url, change.incident["incident_id"])
        lines.append(
            f"- **{change.kind}** ({change.incident['severity']}): {change.incident['title']}"
            + (f" · {link}" if link else "")
        )
    open_now = sum(c.incident["status"] == "open" for c in found)
    title = f"ml_monitor: {len(found)} incident change{'s' * (len(found) != 1)}, {open_now} open"
    return Message(title, "\n".join(lines), _notify_type(found), found)


def _notify_type(found: list[Change]) -> str:
    """failure for a critical open incident, warning for another open one, success when
    every change is a resolution."""
    open_now = [c.incident for c in found if c.incident["status"] == "open"]
    if any(i["severity"] == "critical" for i in open_now):
        return "failure"
    return "warning" if open_now else "success"


# --- delivery ------------------------------------------------------------------------------


def _deliver(channel: Channel, msg: Message, redact: Redactor) -> tuple[int, str | None]:
    """Send with up to TRIES tries; the tries made and, when none succeeded, the last error."""
    error = None
    for attempt in range(1, TRIES + 1):
        with _apprise_log() as log:
            try:
                accepted = bool(
                    channel.apprise.notify(
                        body=msg.body, title=msg.title, notify_type=msg.notify_type, body_format="markdown"
                    )
                )
            except Exception as exc:  # a plugin's own failure: reported like a refusal
                accepted, log = False, [*log, f"{type(exc).__name__}: {exc}"]
        if accepted:
            return attempt, None
        error = redact("; ".join(log) or "not accepted")[:MAX_ERROR]
        if attempt < TRIES:
            time.sleep(RETRY_DELAYS[attempt - 1])
    return TRIES, error


@dataclass
class Outcome:
    sent: dict[str, int] = field(default_factory=dict)  # per channel name: changes delivered
    failed: dict[str, str] = field(default_factory=dict)  # per channel name: its redacted error
    pending: dict[str, int] = field(default_factory=dict)  # per channel name: changes left for the next run


def run(
    wh: Warehouse,
    targets: list[Channel],
    report_url: str | None = None,
    digest_mode: bool = False,
    dry_run: bool = False,
    echo: Callable[[str], None] = print,
) -> Outcome:
    """Send every channel what changed since it was last told; raise MonitorError naming
    the channels that failed once every channel has had its turn."""
    redact = Redactor(c.url for c in targets)
    outcome = Outcome()
    with _exclusive(wh):
        incidents, episodes = _incidents(wh)
        acks = _acknowledged(wh)
        resolved = set(incidents.loc[incidents["status"] == "resolved", "incident_id"])
        if not dry_run and acks["incident_id"].isin(resolved).any():
            # an acknowledgement lasts until the incident resolves
            wh.replace_table(ACKNOWLEDGEMENTS, acks[~acks["incident_id"].isin(resolved)])
        state = _State(wh)
        for channel in targets:
            found, history = changes(incidents, state.of(channel), set(acks["incident_id"]) - resolved)
            if history and not dry_run:
                state.record(channel, {i["incident_id"]: _sent_values(i, "history") for i in history})
            messages = (
                ([digest(found, report_url)] if found else [])
                if digest_mode
                else [message(c, episodes, report_url) for c in found]
            )
            if dry_run:
                _preview(channel, messages, echo)
                continue
            _send_all(channel, messages, state, redact, outcome, echo)
    if outcome.failed:
        raise MonitorError(
            "notify: delivery failed to "
            + "; ".join(
                f"{name} ({outcome.pending[name]} change(s) left for the next run: {error})"
                for name, error in outcome.failed.items()
            )
        )
    return outcome


def _send_all(
    channel: Channel,
    messages: list[Message],
    state: _State,
    redact: Redactor,
    outcome: Outcome,
    echo: Callable[[str], None],
) -> None:
    sent = 0
    for position, msg in enumerate(messages):
        tries, error = _deliver(channel, msg, redact)
        told = state.of(channel)
        if error is None:
            state.record(
                channel,
                {
                    c.incident["incident_id"]: {
                        **_sent_values(c.incident, c.kind),
                        "sent_at": _now(),
                        "last_error": None,
                        "attempts": _attempts(told, c) + tries,
                    }
                    for c in msg.changes
                },
            )
            sent += len(msg.changes)
            continue
        state.record(
            channel,
            {
                c.incident["incident_id"]: {"last_error": error, "attempts": _attempts(told, c) + tries}
                for c in msg.changes
            },
        )
        # a channel that refused three tries is down or misconfigured: its other changes
        # wait for the next run rather than each spend three more tries now
        outcome.failed[channel.name] = error
        outcome.pending[channel.name] = sum(len(m.changes) for m in messages[position:])
        echo(f"notify: {channel.name}: {sent} change(s) sent, then one failed {tries} tries")
        break
    else:
        echo(f"notify: {channel.name}: {sent} change(s) sent" if sent else f"notify: {channel.name}: nothing new")
    outcome.sent[channel.name] = sent


def _attempts(told: dict[str, dict], change: Change) -> int:
    """Tries already made for this change: those of the failures since its last delivery."""
    before = told.get(change.incident["incident_id"])
    return int(before["attempts"] or 0) if before and before["last_error"] else 0


def _preview(channel: Channel, messages: list[Message], echo: Callable[[str], None]) -> None:
    echo(f"notify (dry run): {channel.name}: {len(messages)} message(s) would be sent")
    for msg in messages:
        echo(f"--- {msg.title}")
        echo(msg.body)
