"""A generated demo: a support-ticket router in production, with drift planted at known dates.

The router is a real scikit-learn text classifier (TF-IDF + logistic regression) trained on
generated tickets. `generate` returns its training/validation data (`reference`), sixty
days of serving log (`predictions`) and the list of planted events (`demo_events`):

1. from day 30 the share of `fraud` tickets doubles in the `chat` channel only;
2. from day 40 most users type their tickets instead of pasting them (short, lower-case,
   no punctuation, typos), so the model's confidence drops in every cohort;
3. from day 45 an upstream change nulls `order_value`, adds `app_version`, drops
   `legacy_segment` and turns `priority` from an integer into 'P1'..'P3';
4. from day 35 `order_value` doubles in country DE only: drift that the population's
   numbers hide (DE is a fifth of the log), found only in its cohort;
5. on days 50-52 the `web` channel's logger loses 90 % of its rows;
6. from day 55 labels stop arriving for country `DE`;
7. from day 50 `account_age_days` rises with `previous_tickets` (re-paired by rank, so each
   keeps its distribution exactly): a joint change that no single-feature monitor can see.

The log ends at the end of its last day, which is the generator's "now" (`DemoData.now`,
for var ml_monitor_now); `stale_hours` moves now later, so that the log looks stale.

Features are drawn independently of the ticket's class from one generator for reference
and serving, so nothing but the planted events drifts.

Those four events are the default `Scenario`; `SCENARIOS` names others that the alert
benchmark (bench/alerts.py) scores the alerts against: `stable` (no event, and the serving
log has the reference's columns and types), `slow_drift` (the fraud share grows one point a
day), `seasonal` (quieter weekends with a slightly different class mix, no event) and
`concept_drift` (labels change, inputs and predictions do not). Each scenario's events are
in `events`, one row each, which is the ground truth the benchmark scores against.

Generation is vectorised so that it scales to millions of rows: the model scores pools of
tickets per (class, writing style) once, and each serving row picks a ticket from the pool
of its class, taking the pool's text, predicted class and confidence. The serving log is
built one day at a time as pyarrow record batches (dictionary-encoded strings), and
`write_duckdb` hands them to DuckDB without going through Python objects.

At benchmark scale (tens of millions of rows) `generate(..., lazy=True)` returns the serving
log as a `pyarrow.RecordBatchReader` that makes each day only when it is read, so memory stays
at one day's rows; `write_parquet` streams it into one Parquet file per day, a writer thread
compressing one day while the next is generated (about 0.6 million rows per CPU-second, text
column included; 10 million rows in 47 s on a busy two-core machine). `extra_numeric_features` and
`extra_categorical_features` widen the log with columns `x_1..x_k` and `c_1..c_k`, drawn
identically in reference and serving (they never drift).
"""

from __future__ import annotations

import queue
import random
import re
import threading
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

import duckdb
import joblib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .errors import MonitorError

MODEL_ID = "ticket_router"
MODEL_VERSION = "2025.12.1"

CLASSES = ["billing", "technical", "account", "shipping", "fraud"]
REFERENCE_SHARES = [0.26, 0.28, 0.18, 0.16, 0.12]
SHIFT_CLASS = "fraud"
SHIFT_COHORT = ("channel", "chat")

CLASS_SHIFT_DAY = 30
TYPING_DAY = 40
UPSTREAM_DAY = 45
LOGGER_DROP_DAY = 50
LOGGER_DROP_DAYS = 3
LOGGER_COHORT = ("channel", "web")
LOGGER_KEPT_EVERY = 10  # the broken logger keeps one row in ten of its cohort
LABEL_STOP_DAY = 55  # after the joint change's first window (dated day 53): one incident each
LABEL_STOP_COHORT = ("country", "DE")
# the cohort-only feature drift: order_value times COHORT_DRIFT_FACTOR in COHORT_DRIFT_COHORT
COHORT_DRIFT_DAY = 35
COHORT_DRIFT_COHORT = ("country", "DE")
COHORT_DRIFT_FEATURE = "order_value"
COHORT_DRIFT_FACTOR = 2.0
JOINT_CHANGE_DAY = 50
# independent in the reference; comonotone once the joint change starts
JOINT_FEATURES = ("previous_tickets", "account_age_days")
# the seasonal scenario's weekends: more account and billing tickets, a mild change (PSI
# about 0.02 against the reference) that a drift alert should not take for an event
WEEKEND_SHARES = (0.29, 0.25, 0.22, 0.14, 0.10)
# concept drift: tickets of the first class now truly belong to the second, and as many of
# the second's to the first
CONCEPT_CLASSES = ("account", "billing")

REFERENCE_ROWS = 20_000
TRAIN_SHARE = 0.7
POOL_SIZE = 3_000  # tickets per (class, writing style) that the model scores
TYPED_SHARE = 0.7  # rows written in the typed style once typing drift starts
CONFUSER_SHARE = 0.5  # pasted tickets that also mention another class's topic
TYPO_RATE = 0.3  # typed words (of four letters or more) with a typo
LABEL_SHARE_SETTLED = 0.4  # labels arrive for this share of rows older than a week...
LABEL_SHARE_RECENT = 0.1  # ...and for fewer of the last week's
RECENT_DAYS = 7

# Categorical features: values and their shares, the same in reference and serving.
CATEGORIES = {
    "channel": (["email", "chat", "web"], [0.45, 0.35, 0.20]),
    # no cohort under a fifth of the log: at a few thousand predictions a day every cohort
    # keeps hundreds of rows per bucket, above the drift rules' noise floor
    "country": (["US", "GB", "DE", "FR"], [0.35, 0.25, 0.20, 0.20]),
    "customer_tier": (["free", "pro", "enterprise"], [0.55, 0.35, 0.10]),
    "product": (
        ["marketplace", "payments", "subscriptions", "mobile_app", "logistics"],
        [0.30, 0.25, 0.20, 0.15, 0.10],
    ),
    "priority": (["P1", "P2", "P3"], [0.20, 0.50, 0.30]),
    "legacy_segment": (["retail", "smb", "corporate", "partner"], [0.50, 0.30, 0.15, 0.05]),
    "app_version": (["5.2.0", "5.2.1", "5.3.0"], [0.25, 0.60, 0.15]),
}

# Words the generator makes characteristic of each class: they occur in that class's
# phrases only (other tickets see them only when they borrow a phrase of the class).
CLASS_KEYWORDS = {
    "billing": ["invoice", "refund", "subscription", "receipt", "overcharged", "vat"],
    "technical": ["error", "crashing", "loading", "bug", "timeout", "install"],
    "account": ["password", "login", "username", "profile", "verification", "locked"],
    "shipping": ["delivery", "package", "tracking", "courier", "parcel", "delayed"],
    "fraud": ["unauthorized", "stolen", "suspicious", "scam", "phishing", "hacked"],
}

# Sentences typical of each class. Shared support words (order, account, payment, card,
# help, please) appear across classes, which is what makes the router's job non-trivial.
CLASS_PHRASES = {
    "billing": [
        "I was charged twice for my {plan} subscription.",
        "The invoice for {month} shows the wrong amount.",
        "I am still waiting for a refund of {amount}.",
        "Could you send me a receipt for my last payment?",
        "My card was overcharged by {amount} this month.",
        "I want to cancel my subscription before the next renewal.",
        "The VAT on invoice {ref} is not correct.",
        "Why did the price of my {plan} plan go up without notice?",
        "The payment for order {ref} was taken in the wrong currency.",
        "I need a refund for the {plan} plan, I never used it.",
    ],
    "technical": [
        "The app shows an error when I open the {page} page.",
        "Since the last update the app keeps crashing.",
        "The {page} page is stuck on loading for minutes.",
        "I get a timeout every time I try to upload a file.",
        "There seems to be a bug on the {page} screen.",
        "I cannot install the latest version on my {device}.",
        "The checkout button does nothing when I click it.",
        "Error code {code} appears when I try to pay.",
        "The app is very slow on my {device} since {when}.",
        "Notifications stopped working after the update on my {device}.",
    ],
    "account": [
        "I forgot my password and the reset link does not work.",
        "I cannot login to my account since {when}.",
        "Please change the email address on my profile.",
        "How do I close my account and remove my data?",
        "My username was changed and I cannot find the setting.",
        "The verification code never arrives on my {device}.",
        "My account is locked after too many login attempts.",
        "I want to merge my two accounts into one.",
        "Please update my profile, my name is misspelled.",
        "Two factor verification keeps failing for my account.",
    ],
    "shipping": [
        "My package has not arrived yet and the tracking says {status}.",
        "The delivery for order {ref} is delayed by {days} days.",
        "The courier left the parcel at the wrong address.",
        "The tracking number {ref} shows no update since {when}.",
        "Can I change the delivery address for my order?",
        "The parcel arrived damaged and some items are missing.",
        "I was not home and the courier did not leave a note.",
        "When will my order {ref} be shipped?",
        "The order was marked as delivered but I have no package.",
        "Delivery to {country} takes much longer than promised.",
    ],
    "fraud": [
        "There is a payment of {amount} on my card that I do not recognise.",
        "I think my account was hacked, someone changed my email.",
        "I received a suspicious email asking for my card details.",
        "Someone placed an unauthorized order of {amount} on my account.",
        "My card was stolen and used on your site.",
        "This looks like a phishing scam using your logo.",
        "I want to dispute a charge of {amount} that I did not make.",
        "Someone in {country} keeps trying to get into my account.",
        "A seller asked me to pay outside the platform, is this a scam?",
        "Unauthorized payments appeared on my statement {when}.",
    ],
}

# Sentences that carry no class information.
SHARED_PHRASES = [
    "Please help me as soon as possible.",
    "This is urgent.",
    "I have been a customer for {years} years.",
    "I already contacted support {when}.",
    "My order number is {ref}.",
    "Please check my account and let me know.",
    "I tried again {when} and it is the same.",
    "Can someone please call me back?",
    "I need this fixed before my next payment.",
    "Your help page did not answer my question.",
]
GREETINGS = ["Hello,", "Hi,", "Hi team,", "Dear support,", "Good morning,", ""]
SIGN_OFFS = ["Thanks.", "Thank you for your help.", "Best regards.", "Kind regards.", ""]
# Typed tickets drop most of these and abbreviate a few words.
FILLER_WORDS = {"the", "a", "an", "my", "i", "is", "am", "to", "for", "on", "and", "of", "was", "it", "your"}
TYPED_SHORTHANDS = {"please": "pls", "you": "u"}


def _pick(options):
    return lambda rnd: rnd.choice(options)


SLOT_FILLERS = {
    "plan": _pick(["Basic", "Plus", "Pro", "Team", "annual"]),
    "month": _pick(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
    ),
    "amount": lambda rnd: f"${rnd.randint(5, 499)}.{rnd.randint(0, 99):02d}",
    "ref": lambda rnd: f"#{rnd.randint(100000, 999999)}",
    "code": lambda rnd: str(rnd.randint(400, 599)),
    "page": _pick(["checkout", "settings", "orders", "search", "home", "cart"]),
    "device": _pick(["iPhone", "Android phone", "laptop", "tablet", "Mac"]),
    "when": _pick(["yesterday", "this morning", "last week", "two days ago", "Monday"]),
    "status": _pick(["in transit", "label created", "out for delivery", "pending"]),
    "days": lambda rnd: str(rnd.randint(2, 14)),
    "country": _pick(["Germany", "France", "India", "the UK", "Brazil", "Russia"]),
    "years": lambda rnd: str(rnd.randint(2, 12)),
}

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
EVENT_COLUMNS = {
    "event_id": "INTEGER",
    "event_type": "VARCHAR",
    "starts_at": "TIMESTAMP",
    "day": "INTEGER",
    "cohort_name": "VARCHAR",
    "cohort_value": "VARCHAR",
    "subject": "VARCHAR",
    "description": "VARCHAR",
}
# A serving log without the upstream change logs the reference's inputs, typed the same.
UNCHANGED_PREDICTION_COLUMNS = {
    **{name: kind for name, kind in PREDICTION_COLUMNS.items() if name != "app_version"},
    "priority": "INTEGER",
    "legacy_segment": "VARCHAR",
}


@dataclass(frozen=True)
class Scenario:
    """Which events a generated log has: the day each starts (1-based; None: it never
    happens). The defaults are the demo's four events."""

    name: str = "demo"
    # the share of SHIFT_CLASS doubles in the SHIFT_COHORT
    class_shift_day: int | None = CLASS_SHIFT_DAY
    # TYPED_SHARE of the tickets are typed in a hurry instead of pasted
    typing_day: int | None = TYPING_DAY
    # order_value turns NULL, app_version is added, legacy_segment dropped, priority retyped.
    # A table has one schema, so the last three hold from day 1 (app_version NULL until the
    # change); without an upstream change the log has the reference's columns and types.
    upstream_day: int | None = UPSTREAM_DAY
    # SHIFT_CLASS's share grows by slow_drift_per_day every day, in every cohort
    slow_drift_day: int | None = None
    slow_drift_per_day: float = 0.01
    # weekend traffic as a share of a weekday's, and the weekends' label shares (None: as on
    # weekdays)
    weekend_volume: float = 1.0
    weekend_shares: tuple[float, ...] | None = None
    # concept_drift_share of CONCEPT_CLASSES[0]'s tickets get the label CONCEPT_CLASSES[1],
    # and as many of [1]'s get [0]: texts, predictions and the label mix stay as they were
    concept_drift_day: int | None = None
    concept_drift_share: float = 0.5
    # LOGGER_COHORT's logger keeps one row in LOGGER_KEPT_EVERY for LOGGER_DROP_DAYS days
    logger_drop_day: int | None = LOGGER_DROP_DAY
    # labels stop arriving for LABEL_STOP_COHORT
    label_stop_day: int | None = LABEL_STOP_DAY
    # COHORT_DRIFT_FEATURE is multiplied by COHORT_DRIFT_FACTOR in COHORT_DRIFT_COHORT only
    cohort_drift_day: int | None = COHORT_DRIFT_DAY
    # JOINT_FEATURES[1] re-paired to rise with JOINT_FEATURES[0]: both marginals unchanged
    joint_change_day: int | None = JOINT_CHANGE_DAY


DEMO = Scenario()
STABLE = Scenario(
    "stable",
    class_shift_day=None,
    typing_day=None,
    upstream_day=None,
    logger_drop_day=None,
    label_stop_day=None,
    cohort_drift_day=None,
    joint_change_day=None,
)
SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        DEMO,
        STABLE,
        replace(STABLE, name="slow_drift", slow_drift_day=CLASS_SHIFT_DAY),
        replace(STABLE, name="seasonal", weekend_volume=0.4, weekend_shares=WEEKEND_SHARES),
        replace(STABLE, name="concept_drift", concept_drift_day=CLASS_SHIFT_DAY),
    )
}


def scenario(name: str) -> Scenario:
    """The scenario called `name` in SCENARIOS."""
    if name not in SCENARIOS:
        raise MonitorError(f"demo: unknown scenario '{name}'; choose from {', '.join(SCENARIOS)}")
    return SCENARIOS[name]


@dataclass
class DemoData:
    """What `generate` returns; `predictions` is an Arrow table with dictionary-encoded strings
    (with `lazy=True`, a RecordBatchReader of one batch per day, which can be read once)."""

    predictions: pd.DataFrame | pa.Table | pa.RecordBatchReader
    reference: pd.DataFrame
    events: pd.DataFrame
    model: Pipeline
    scenario: Scenario = DEMO
    # the generator's "now": the end of the log's last day, plus stale_hours
    now: datetime | None = None

    def dbt_vars(self) -> dict[str, str]:
        """The dbt vars that monitor this log at its own "now"."""
        return {"ml_monitor_now": self.now.strftime("%Y-%m-%d %H:%M:%S")}


def planted_dates(start: date = date(2026, 1, 1)) -> dict[str, date]:
    """The first day of each planted event."""
    return {
        "class_shift": _day_date(start, CLASS_SHIFT_DAY),
        "typing": _day_date(start, TYPING_DAY),
        "upstream": _day_date(start, UPSTREAM_DAY),
        "logger_drop": _day_date(start, LOGGER_DROP_DAY),
        "label_stop": _day_date(start, LABEL_STOP_DAY),
        "cohort_drift": _day_date(start, COHORT_DRIFT_DAY),
        "joint_change": _day_date(start, JOINT_CHANGE_DAY),
    }


def generate(
    predictions_per_day: int = 3000,
    days: int = 60,
    seed: int = 7,
    start: date = date(2026, 1, 1),
    extra_numeric_features: int = 0,
    extra_categorical_features: int = 0,
    lazy: bool = False,
    scenario: Scenario = DEMO,
    stale_hours: float = 0,
) -> DemoData:
    """Reference data, a trained router, its serving log and the planted events.

    extra_numeric_features / extra_categorical_features add columns x_1..x_k (DOUBLE) and
    c_1..c_k (VARCHAR) to both tables, from one distribution each (see `_extra_features`).
    lazy: the serving log is a RecordBatchReader that generates each day as it is read.
    scenario: which events are planted (default: the demo's; see SCENARIOS). Weekdays get
    predictions_per_day rows, weekends fewer if the scenario says so.
    stale_hours: "now" (DemoData.now) this many hours after the end of the last day.
    """
    if predictions_per_day < 1 or days < 1:
        raise MonitorError("demo: predictions per day and days must both be at least 1")
    if stale_hours < 0:
        raise MonitorError("demo: stale hours cannot be negative")
    if extra_numeric_features < 0 or extra_categorical_features < 0:
        raise MonitorError("demo: the number of extra features cannot be negative")
    if not 0 < scenario.weekend_volume <= 1 or len(scenario.weekend_shares or CLASSES) != len(CLASSES):
        raise MonitorError(
            f"demo: scenario '{scenario.name}' needs a weekend volume in (0, 1] "
            f"and one weekend share per class ({len(CLASSES)})"
        )
    extras = (extra_numeric_features, extra_categorical_features)
    rnd = random.Random(seed)
    reference = _reference(np.random.default_rng([seed, 0]), rnd, extras)
    model = _train(reference[reference["split"] == "train"])
    validation = reference["split"] == "validation"
    predicted, confidence = _score(model, reference.loc[validation, "ticket_text"].tolist())
    reference.loc[validation, "predicted_class"] = predicted
    reference.loc[validation, "confidence"] = confidence

    pools = _TicketPools(model, rnd)
    sizes = [
        max(1, round(predictions_per_day * scenario.weekend_volume)) if _is_weekend(start, day) else predictions_per_day
        for day in range(1, days + 1)
    ]
    first_rows = [0, *accumulate(sizes)]

    def day_batch(day: int) -> pa.RecordBatch:
        return _serving_day(
            np.random.default_rng([seed, day]),
            pools,
            day,
            days,
            start,
            sizes[day - 1],
            first_row=first_rows[day - 1],
            extras=extras,
            scenario=scenario,
        )

    first = day_batch(1)
    if lazy:
        later = (day_batch(day) for day in range(2, days + 1))
        predictions = pa.RecordBatchReader.from_batches(first.schema, _chain(first, later))
    else:
        batches = [first] + [day_batch(day) for day in range(2, days + 1)]
        predictions = pa.Table.from_batches(batches, schema=first.schema)
    now = datetime.combine(_day_date(start, days + 1), datetime.min.time()) + timedelta(hours=stale_hours)
    return DemoData(predictions, reference, _events(start, days, scenario), model, scenario, now)


def _chain(first, rest):
    yield first
    yield from rest


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


# --- tickets -----------------------------------------------------------------------------


def _pasted_ticket(rnd: random.Random, cls: str) -> str:
    """A ticket as pasted from an email: greeting, class and filler sentences, sign-off.

    Half the tickets also mention another class's topic, and many have a single sentence
    of their own class: those are the ones the router gets wrong.
    """
    # Fraud reports are explicit and other tickets rarely sound like fraud, so the router
    # recognises fraud reliably: a change in its share shows in the predicted class mix.
    explicit = cls == SHIFT_CLASS
    body = rnd.sample(CLASS_PHRASES[cls], rnd.choice([2, 3] if explicit else [1, 1, 1, 2, 2, 3]))
    if not explicit and rnd.random() < CONFUSER_SHARE:
        other = rnd.choice([c for c in CLASSES if c not in (cls, SHIFT_CLASS)])
        body.append(rnd.choice(CLASS_PHRASES[other]))
    body += rnd.sample(SHARED_PHRASES, rnd.choice([0, 1, 1, 2]))
    rnd.shuffle(body)
    lines = [rnd.choice(GREETINGS), " ".join(_fill(s, rnd) for s in body), rnd.choice(SIGN_OFFS)]
    return "\n".join(line for line in lines if line)


def _typed_ticket(rnd: random.Random, cls: str) -> str:
    """A ticket typed in a hurry: lower case, shorthand, typos, a few words of a sentence
    of its class and often of another topic too."""
    fragments = [_fragment(rnd, rnd.choice(CLASS_PHRASES[cls]))]
    if rnd.random() < CONFUSER_SHARE:
        other = rnd.choice([c for c in CLASSES if c != cls])
        fragments.append(_fragment(rnd, rnd.choice(CLASS_PHRASES[other] + SHARED_PHRASES)))
    words = [TYPED_SHORTHANDS.get(w, w) for w in " ".join(fragments).split()]
    return " ".join(_typo(rnd, w) if len(w) > 3 and rnd.random() < TYPO_RATE else w for w in words)


def _fragment(rnd: random.Random, template: str) -> str:
    """The first few words of a sentence, lower case, without punctuation or most filler words."""
    words = re.findall(r"[\w$]+", _fill(template, rnd).lower())
    words = [w for w in words if w not in FILLER_WORDS or rnd.random() < 0.4]
    return " ".join(words[: rnd.randint(3, 6)])


def _typo(rnd: random.Random, word: str) -> str:
    """Swap two neighbouring letters or drop one."""
    i = rnd.randrange(len(word) - 1)
    if rnd.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def _fill(template: str, rnd: random.Random) -> str:
    return template.format_map(_Slots(rnd))


class _Slots(dict):
    """Fills a template's slots on demand, so only the slots it uses draw random values."""

    def __init__(self, rnd: random.Random):
        super().__init__()
        self.rnd = rnd

    def __missing__(self, name: str) -> str:
        return SLOT_FILLERS[name](self.rnd)


# --- model -------------------------------------------------------------------------------


def _train(train: pd.DataFrame) -> Pipeline:
    model = Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
            ("clf", LogisticRegression(C=0.3, solver="saga", max_iter=1000, random_state=0)),
        ]
    )
    return model.fit(train["ticket_text"].tolist(), train["label"].tolist())


def _score(model: Pipeline, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The model's predicted class and confidence (its top predicted probability)."""
    proba = model.predict_proba(texts)
    return model.classes_[proba.argmax(axis=1)], proba.max(axis=1)


class _TicketPools:
    """Tickets per (class, style) scored once, so serving rows need no model call.

    Ticket j of class c in style s (0 pasted, 1 typed) sits at (2c + s) * POOL_SIZE + j.
    """

    def __init__(self, model: Pipeline, rnd: random.Random):
        writers = [_pasted_ticket, _typed_ticket]
        texts = [write(rnd, cls) for cls in CLASSES for write in writers for _ in range(POOL_SIZE)]
        predicted, confidence = _score(model, texts)
        self.texts = pa.array(texts)
        self.predicted_code = _encode(predicted, CLASSES)
        self.confidence = confidence

    def draw(self, rng: np.random.Generator, class_code: np.ndarray, typed: np.ndarray) -> np.ndarray:
        """A random ticket of each row's class, in the typed style where `typed`."""
        return (2 * class_code + typed) * POOL_SIZE + rng.integers(POOL_SIZE, size=len(class_code))


# --- rows --------------------------------------------------------------------------------


def _features(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Category codes and numeric features, independent of the ticket's class.

    Reference and serving rows both come from here (each keeps the columns it logs), which
    is why serving matches the reference until a planted event.
    """
    features = {name: _pick_codes(rng.random(n), shares) for name, (_, shares) in CATEGORIES.items()}
    features["previous_tickets"] = (rng.geometric(0.3, n) - 1).astype(np.int32)
    features["account_age_days"] = np.minimum(rng.lognormal(5.8, 1.0, n), 5000).astype(np.int32) + 1
    features["order_value"] = np.round(rng.lognormal(4.0, 0.9, n), 2)
    return features


EXTRA_CATEGORY_SHARES = [0.40, 0.25, 0.15, 0.12, 0.08]


def _extra_categories(j: int) -> list[str]:
    return [f"c{j}_v{i}" for i in range(1, len(EXTRA_CATEGORY_SHARES) + 1)]


def _extra_features(rng: np.random.Generator, n: int, extras: tuple[int, int]) -> dict[str, pa.Array]:
    """The extra benchmark columns x_1..x_k and c_1..c_m, the same distribution in reference
    and serving. Numeric ones cycle through four shapes, each rounded the way logged
    features usually are (hundreds to a few thousand distinct values, not millions):
    a normal to 2 decimals, a Poisson count, a uniform share to 3 decimals and a
    log-normal amount to 1 decimal. Categorical ones have five values with skewed shares."""
    n_numeric, n_categorical = extras
    columns: dict[str, pa.Array] = {}
    for j in range(1, n_numeric + 1):
        shape = (j - 1) % 4
        if shape == 0:
            values = np.round(rng.normal(j, 1.0, n), 2)
        elif shape == 1:
            values = rng.poisson(2 + j % 5, n).astype(np.float64)
        elif shape == 2:
            values = np.round(rng.random(n), 3)
        else:
            values = np.round(rng.lognormal(2.0, 0.5, n), 1)
        columns[f"x_{j}"] = pa.array(values)
    for j in range(1, n_categorical + 1):
        columns[f"c_{j}"] = _categorical(_pick_codes(rng.random(n), EXTRA_CATEGORY_SHARES), _extra_categories(j))
    return columns


def _pick_codes(draw: np.ndarray, shares) -> np.ndarray:
    """Category codes for uniform draws in [0, 1), with the given (relative) shares."""
    cumulative = np.cumsum(shares)
    return np.searchsorted(cumulative / cumulative[-1], draw, side="right").astype(np.int32)


def _comonotone(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """y's own values re-paired to rise with x (ties of x in row order, which is random):
    y keeps its distribution exactly, and needs no random draws of its own."""
    paired = np.empty_like(y)
    paired[np.argsort(x, kind="stable")] = np.sort(y)
    return paired


def _label_shares(scenario: Scenario, start: date, day: int) -> np.ndarray:
    """The day's label shares (before the cohort shift): the reference's, or the weekend's,
    with the slow drift's growth of SHIFT_CLASS on top."""
    weekend = scenario.weekend_shares is not None and _is_weekend(start, day)
    shares = np.array(scenario.weekend_shares if weekend else REFERENCE_SHARES)
    if _live(scenario.slow_drift_day, day):
        k = CLASSES.index(SHIFT_CLASS)
        grown = shares[k] + scenario.slow_drift_per_day * (day - scenario.slow_drift_day + 1)
        shares = _with_share(shares, k, min(1.0, grown))
    return shares


def _with_share(shares: np.ndarray, k: int, share: float) -> np.ndarray:
    """Class k at `share`, the other classes scaled to make up the rest."""
    shares = shares * (1 - share) / (1 - shares[k])
    shares[k] = share
    return shares


def _swap_labels(rng: np.random.Generator, label: np.ndarray, shares: np.ndarray, share: float) -> np.ndarray:
    """Concept drift: `share` of CONCEPT_CLASSES[0]'s rows get [1]'s label, and as many of
    [1]'s rows (in expectation) get [0]'s, so the label mix stays what `shares` says."""
    a, b = (CLASSES.index(c) for c in CONCEPT_CLASSES)
    flip = rng.random(len(label))
    to_b = (label == a) & (flip < share)
    to_a = (label == b) & (flip < min(1.0, share * shares[a] / shares[b]))
    return np.where(to_b, b, np.where(to_a, a, label)).astype(np.int32)


def _live(first_day: int | None, day: int) -> bool:
    """Whether an event starting on first_day (None: never) is under way on `day`."""
    return first_day is not None and day >= first_day


def _is_weekend(start: date, day: int) -> bool:
    return _day_date(start, day).weekday() >= 5


def _reference(rng: np.random.Generator, rnd: random.Random, extras: tuple[int, int] = (0, 0)) -> pd.DataFrame:
    n = REFERENCE_ROWS
    # a child stream for the extra columns leaves every other draw as without them
    extra_columns = _extra_features(rng.spawn(1)[0], n, extras) if any(extras) else {}
    features = _features(rng, n)
    label = _pick_codes(rng.random(n), REFERENCE_SHARES)
    frame = pd.DataFrame(
        {
            "prediction_id": [f"ref-{i:06d}" for i in range(1, n + 1)],
            "model_id": MODEL_ID,
            "split": np.where(rng.random(n) < TRAIN_SHARE, "train", "validation"),
            "label": np.array(CLASSES)[label],
            "predicted_class": pd.Series(pd.NA, index=range(n), dtype="str"),
            "confidence": pd.Series(pd.NA, index=range(n), dtype="Float64"),
        }
    )
    for name in ["channel", "country", "customer_tier", "product"]:
        frame[name] = np.array(CATEGORIES[name][0])[features[name]]
    for name in ["previous_tickets", "account_age_days", "order_value"]:
        frame[name] = features[name]
    frame["ticket_text"] = [_pasted_ticket(rnd, CLASSES[c]) for c in label]
    frame["priority"] = features["priority"] + 1  # training data had priority as 1..3
    frame["legacy_segment"] = np.array(CATEGORIES["legacy_segment"][0])[features["legacy_segment"]]
    for name, values in extra_columns.items():
        frame[name] = (
            values.to_pandas() if name.startswith("x_") else values.cast(pa.string()).to_numpy(zero_copy_only=False)
        )
    return frame


def _serving_day(
    rng: np.random.Generator,
    pools: _TicketPools,
    day: int,
    days: int,
    start: date,
    n: int,
    first_row: int,
    extras: tuple[int, int] = (0, 0),
    scenario: Scenario = DEMO,
) -> pa.RecordBatch:
    """One day of the serving log, with whatever planted events are live that day.

    The random draws happen in the same order whatever the scenario (an event's own draws
    only while it is live, concept drift's last), so the demo's log stays as it always was.
    """
    extra_columns = _extra_features(rng.spawn(1)[0], n, extras) if any(extras) else {}
    features = _features(rng, n)
    if _live(scenario.joint_change_day, day):
        first, second = JOINT_FEATURES
        features[second] = _comonotone(features[first], features[second])
    in_shift_cohort = features["channel"] == CATEGORIES["channel"][0].index(SHIFT_COHORT[1])
    shares = _label_shares(scenario, start, day)
    draw = rng.random(n)
    label = _pick_codes(draw, shares)
    if _live(scenario.class_shift_day, day):
        k = CLASSES.index(SHIFT_CLASS)
        label = np.where(in_shift_cohort, _pick_codes(draw, _with_share(shares, k, 2 * shares[k])), label)
    typed = (rng.random(n) < TYPED_SHARE) if _live(scenario.typing_day, day) else np.zeros(n, dtype=bool)
    ticket = pools.draw(rng, label, typed)

    label_share = LABEL_SHARE_SETTLED if day <= days - RECENT_DAYS else LABEL_SHARE_RECENT
    # Sorted seconds keep the log in time order; the other columns are i.i.d., so this
    # does not tie any value to the time of day.
    seconds = np.sort(rng.integers(0, 86_400, n))
    unlabelled = rng.random(n) >= label_share
    if _live(scenario.label_stop_day, day):
        name, value = LABEL_STOP_COHORT
        unlabelled |= features[name] == CATEGORIES[name][0].index(value)
    if _live(scenario.concept_drift_day, day):
        # after the ticket is drawn: the text and prediction stay those of its old class
        label = _swap_labels(rng, label, shares, scenario.concept_drift_share)
    predicted_at = np.datetime64(_day_date(start, day), "us") + seconds.astype("timedelta64[s]")
    upstream_changed = _live(scenario.upstream_day, day)
    if _live(scenario.cohort_drift_day, day):  # no draws of its own
        name, value = COHORT_DRIFT_COHORT
        in_cohort = features[name] == CATEGORIES[name][0].index(value)
        features[COHORT_DRIFT_FEATURE] = np.where(
            in_cohort, features[COHORT_DRIFT_FEATURE] * COHORT_DRIFT_FACTOR, features[COHORT_DRIFT_FEATURE]
        )
    order_value = pa.nulls(n, pa.float64()) if upstream_changed else pa.array(features["order_value"])
    if scenario.upstream_day is None:
        upstream_columns = {
            "priority": pa.array(features["priority"] + 1),  # as the reference logs it
            "legacy_segment": _categorical(features["legacy_segment"], CATEGORIES["legacy_segment"][0]),
        }
    else:
        upstream_columns = {
            "priority": _categorical(features["priority"], CATEGORIES["priority"][0]),
            "app_version": (
                _categorical(features["app_version"], CATEGORIES["app_version"][0])
                if upstream_changed
                else pa.nulls(n, _CATEGORICAL)
            ),
        }

    columns = {
        "prediction_id": _prediction_ids(first_row, n),
        "model_id": _categorical(np.zeros(n, np.int32), [MODEL_ID]),
        "model_version": _categorical(np.zeros(n, np.int32), [MODEL_VERSION]),
        "predicted_at": pa.array(predicted_at),
        "predicted_class": _categorical(pools.predicted_code[ticket], CLASSES),
        "confidence": pa.array(pools.confidence[ticket]),
        "label": _categorical(label, CLASSES, missing=unlabelled),
        **{
            name: _categorical(features[name], CATEGORIES[name][0])
            for name in ["channel", "country", "customer_tier", "product"]
        },
        "previous_tickets": pa.array(features["previous_tickets"]),
        "account_age_days": pa.array(features["account_age_days"]),
        "order_value": order_value,
        "ticket_text": pa.DictionaryArray.from_arrays(ticket.astype(np.int32), pools.texts),
        **upstream_columns,
        **extra_columns,
    }
    batch = pa.RecordBatch.from_pydict(columns)
    if _live(scenario.logger_drop_day, day) and day < scenario.logger_drop_day + LOGGER_DROP_DAYS:
        # after every draw, and without one: the other rows stay as they were
        name, value = LOGGER_COHORT
        in_cohort = features[name] == CATEGORIES[name][0].index(value)
        kept = ~in_cohort | (np.cumsum(in_cohort) % LOGGER_KEPT_EVERY == 1)
        batch = batch.filter(pa.array(kept))
    return batch


_CATEGORICAL = pa.dictionary(pa.int32(), pa.string())


def _categorical(codes: np.ndarray, values: list[str], missing: np.ndarray | None = None) -> pa.DictionaryArray:
    indices = pa.array(codes.astype(np.int32), mask=missing)
    return pa.DictionaryArray.from_arrays(indices, pa.array(values))


def _prediction_ids(first_row: int, n: int, width: int = 9) -> pa.StringArray:
    """'p-000000001', ... written straight into an Arrow buffer (no Python strings)."""
    row = np.arange(first_row + 1, first_row + n + 1, dtype=np.uint32)
    chars = np.empty((n, 2 + width), dtype=np.uint8)
    chars[:, :2] = np.frombuffer(b"p-", dtype=np.uint8)
    for position in range(1 + width, 1, -1):
        chars[:, position] = row % 10 + ord("0")
        row //= 10
    offsets = np.arange(0, (n + 1) * (2 + width), 2 + width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars))


def _encode(values, categories: list[str]) -> np.ndarray:
    index = {value: code for code, value in enumerate(categories)}
    return np.array([index[v] for v in values], dtype=np.int32)


# --- events ------------------------------------------------------------------------------


def _events(start: date, days: int, scenario: Scenario) -> pd.DataFrame:
    """The scenario's events that start within the log, in a fixed order (event ids do not
    depend on the number of days)."""
    cohort_name, cohort_value = SHIFT_COHORT
    old, new = CONCEPT_CLASSES
    planted = [
        (
            "class_share_shift",
            scenario.class_shift_day,
            cohort_name,
            cohort_value,
            SHIFT_CLASS,
            f"Share of '{SHIFT_CLASS}' tickets doubles in the {cohort_value} channel.",
        ),
        (
            "typing_drift",
            scenario.typing_day,
            None,
            None,
            "ticket_text",
            f"{TYPED_SHARE:.0%} of tickets are typed (short, lower-case, typos), not pasted.",
        ),
        (
            "feature_nulled",
            scenario.upstream_day,
            None,
            None,
            "order_value",
            "An upstream change leaves order_value NULL on every row.",
        ),
        (
            "column_added",
            scenario.upstream_day,
            None,
            None,
            "app_version",
            "The serving log gains an app_version column.",
        ),
        ("column_dropped", scenario.upstream_day, None, None, "legacy_segment", "legacy_segment is no longer logged."),
        (
            "column_type_changed",
            scenario.upstream_day,
            None,
            None,
            "priority",
            "priority is logged as 'P1'..'P3' instead of the integers 1..3.",
        ),
        (
            "class_share_drift",
            scenario.slow_drift_day,
            None,
            None,
            SHIFT_CLASS,
            f"The share of '{SHIFT_CLASS}' tickets grows by {scenario.slow_drift_per_day:g} a day in every cohort.",
        ),
        (
            "logger_drop",
            scenario.logger_drop_day,
            *LOGGER_COHORT,
            "rows",
            f"The {LOGGER_COHORT[1]} channel's logger loses {1 - 1 / LOGGER_KEPT_EVERY:.0%} of its rows "
            f"for {LOGGER_DROP_DAYS} days.",
        ),
        (
            "labels_stopped",
            scenario.label_stop_day,
            *LABEL_STOP_COHORT,
            "labels",
            f"Labels stop arriving for {LABEL_STOP_COHORT[0]} {LABEL_STOP_COHORT[1]}.",
        ),
        (
            "concept_drift",
            scenario.concept_drift_day,
            None,
            None,
            old,
            f"{scenario.concept_drift_share:.0%} of '{old}' tickets now truly belong to '{new}', and as "
            f"many '{new}' ones to '{old}': texts, predictions and the label mix stay the same.",
        ),
        (
            "cohort_feature_drift",
            scenario.cohort_drift_day,
            *COHORT_DRIFT_COHORT,
            COHORT_DRIFT_FEATURE,
            f"{COHORT_DRIFT_FEATURE} is {COHORT_DRIFT_FACTOR:g} times as large in {COHORT_DRIFT_COHORT[0]} "
            f"{COHORT_DRIFT_COHORT[1]} only.",
        ),
        (
            "joint_change",
            scenario.joint_change_day,
            None,
            None,
            ",".join(JOINT_FEATURES),
            f"{JOINT_FEATURES[1]} rises with {JOINT_FEATURES[0]} (independent before); each keeps its distribution.",
        ),
    ]
    rows = [
        (
            event_id,
            kind,
            datetime.combine(_day_date(start, day), datetime.min.time()),
            day,
            name,
            value,
            subject,
            description,
        )
        for event_id, (kind, day, name, value, subject, description) in enumerate(
            (event for event in planted if event[1] is not None), 1
        )
        if day <= days
    ]
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


def _day_date(start: date, day: int) -> date:
    """Day 1 is `start`."""
    return start + timedelta(days=day - 1)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
