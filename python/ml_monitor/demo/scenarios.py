"""The demo's planted events: which day each starts, the scenarios that combine them, and
the events table (the ground truth the tests and the alert benchmark score against)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pandas as pd

from ..errors import MonitorError

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
TYPED_SHARE = 0.7  # rows written in the typed style once typing drift starts

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


def planted_dates(start: date = date(2026, 1, 1)) -> dict[str, date]:
    """The first day of each planted event."""
    return {
        "class_shift": day_date(start, CLASS_SHIFT_DAY),
        "typing": day_date(start, TYPING_DAY),
        "upstream": day_date(start, UPSTREAM_DAY),
        "logger_drop": day_date(start, LOGGER_DROP_DAY),
        "label_stop": day_date(start, LABEL_STOP_DAY),
        "cohort_drift": day_date(start, COHORT_DRIFT_DAY),
        "joint_change": day_date(start, JOINT_CHANGE_DAY),
    }


def planted_events(start: date, days: int, scenario: Scenario) -> pd.DataFrame:
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
            datetime.combine(day_date(start, day), datetime.min.time()),
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


def day_date(start: date, day: int) -> date:
    """Day 1 is `start`."""
    return start + timedelta(days=day - 1)


def is_live(first_day: int | None, day: int) -> bool:
    """Whether an event starting on first_day (None: never) is under way on `day`."""
    return first_day is not None and day >= first_day


def is_weekend(start: date, day: int) -> bool:
    return day_date(start, day).weekday() >= 5
