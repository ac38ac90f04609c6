"""Generation: the router trained on the reference, and the serving log made day by day
with whatever planted events are live (see the package's docstring)."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from ..errors import MonitorError
from .corpus import pasted_ticket, typed_ticket
from .scenarios import (
    CLASSES,
    COHORT_DRIFT_COHORT,
    COHORT_DRIFT_FACTOR,
    COHORT_DRIFT_FEATURE,
    CONCEPT_CLASSES,
    DEMO,
    JOINT_FEATURES,
    LABEL_STOP_COHORT,
    LOGGER_COHORT,
    LOGGER_DROP_DAYS,
    LOGGER_KEPT_EVERY,
    REFERENCE_SHARES,
    SHIFT_CLASS,
    SHIFT_COHORT,
    TYPED_SHARE,
    Scenario,
    day_date,
    is_live,
    is_weekend,
    planted_events,
)

# generate's defaults, the demo's too
PREDICTIONS_PER_DAY = 3000
DAYS = 60
SEED = 7

MODEL_ID = "ticket_router"
MODEL_VERSION = "2025.12.1"

REFERENCE_ROWS = 20_000
TRAIN_SHARE = 0.7
POOL_SIZE = 3_000  # tickets per (class, writing style) that the model scores
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


def generate(
    predictions_per_day: int = PREDICTIONS_PER_DAY,
    days: int = DAYS,
    seed: int = SEED,
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
    reference, model, pools = _reference_and_router(extras, seed)
    sizes = [
        max(1, round(predictions_per_day * scenario.weekend_volume)) if is_weekend(start, day) else predictions_per_day
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
    now = datetime.combine(day_date(start, days + 1), datetime.min.time()) + timedelta(hours=stale_hours)
    return DemoData(predictions, reference.copy(), planted_events(start, days, scenario), model, scenario, now)


@functools.cache
def _reference_and_router(extras: tuple[int, int], seed: int) -> tuple[pd.DataFrame, Pipeline, _TicketPools]:
    """The reference, the router trained on it and its scored ticket pools: what every log of
    a seed shares, and most of a small log's cost (about 2 s), so made once a process for the
    runs that generate several (bench/alerts.py's scenarios, the tests). Callers get a copy
    of the reference."""
    rnd = random.Random(seed)
    reference = _reference(np.random.default_rng([seed, 0]), rnd, extras)
    model = _train(reference[reference["split"] == "train"])
    validation = reference["split"] == "validation"
    predicted, confidence = _score(model, reference.loc[validation, "ticket_text"].tolist())
    reference.loc[validation, "predicted_class"] = predicted
    reference.loc[validation, "confidence"] = confidence
    return reference, model, _TicketPools(model, rnd)


def _chain(first, rest):
    yield first
    yield from rest


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
        writers = [pasted_ticket, typed_ticket]
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
    weekend = scenario.weekend_shares is not None and is_weekend(start, day)
    shares = np.array(scenario.weekend_shares if weekend else REFERENCE_SHARES)
    if is_live(scenario.slow_drift_day, day):
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
    frame["ticket_text"] = [pasted_ticket(rnd, CLASSES[c]) for c in label]
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
    if is_live(scenario.joint_change_day, day):
        first, second = JOINT_FEATURES
        features[second] = _comonotone(features[first], features[second])
    in_shift_cohort = features["channel"] == CATEGORIES["channel"][0].index(SHIFT_COHORT[1])
    shares = _label_shares(scenario, start, day)
    draw = rng.random(n)
    label = _pick_codes(draw, shares)
    if is_live(scenario.class_shift_day, day):
        k = CLASSES.index(SHIFT_CLASS)
        label = np.where(in_shift_cohort, _pick_codes(draw, _with_share(shares, k, 2 * shares[k])), label)
    typed = (rng.random(n) < TYPED_SHARE) if is_live(scenario.typing_day, day) else np.zeros(n, dtype=bool)
    ticket = pools.draw(rng, label, typed)

    label_share = LABEL_SHARE_SETTLED if day <= days - RECENT_DAYS else LABEL_SHARE_RECENT
    # Sorted seconds keep the log in time order; the other columns are i.i.d., so this
    # does not tie any value to the time of day.
    seconds = np.sort(rng.integers(0, 86_400, n))
    unlabelled = rng.random(n) >= label_share
    if is_live(scenario.label_stop_day, day):
        name, value = LABEL_STOP_COHORT
        unlabelled |= features[name] == CATEGORIES[name][0].index(value)
    if is_live(scenario.concept_drift_day, day):
        # after the ticket is drawn: the text and prediction stay those of its old class
        label = _swap_labels(rng, label, shares, scenario.concept_drift_share)
    predicted_at = np.datetime64(day_date(start, day), "us") + seconds.astype("timedelta64[s]")
    upstream_changed = is_live(scenario.upstream_day, day)
    if is_live(scenario.cohort_drift_day, day):  # no draws of its own
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
    if is_live(scenario.logger_drop_day, day) and day < scenario.logger_drop_day + LOGGER_DROP_DAYS:
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
