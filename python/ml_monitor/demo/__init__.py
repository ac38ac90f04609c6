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

The package's modules, one step each: `scenarios` (the planted events and the scenarios
that combine them), `corpus` (the tickets' text), `generate` (the router's training and the
day-by-day log), `writers` (DuckDB, Parquet, any warehouse) and `run` (the whole demo, as
`ml-monitor demo` runs it). Callers use the names re-exported here.
"""

from .corpus import CLASS_KEYWORDS
from .generate import CATEGORIES, MODEL_ID, DemoData, generate
from .run import DATABASE, run_demo
from .scenarios import (
    CLASS_SHIFT_DAY,
    CLASSES,
    COHORT_DRIFT_COHORT,
    COHORT_DRIFT_DAY,
    COHORT_DRIFT_FACTOR,
    COHORT_DRIFT_FEATURE,
    DEMO,
    JOINT_CHANGE_DAY,
    JOINT_FEATURES,
    LABEL_STOP_COHORT,
    LABEL_STOP_DAY,
    LOGGER_COHORT,
    LOGGER_DROP_DAY,
    LOGGER_DROP_DAYS,
    LOGGER_KEPT_EVERY,
    REFERENCE_SHARES,
    SCENARIOS,
    SHIFT_CLASS,
    SHIFT_COHORT,
    STABLE,
    TYPING_DAY,
    UPSTREAM_DAY,
    WEEKEND_SHARES,
    Scenario,
    planted_dates,
    scenario,
)
from .writers import (
    save_model,
    write_duckdb,
    write_parquet,
    write_warehouse,
)

# what callers use (ml_monitor.demo.<name>)
__all__ = [
    "DATABASE",
    "run_demo",
    "CLASS_KEYWORDS",
    "CATEGORIES",
    "MODEL_ID",
    "DemoData",
    "generate",
    "CLASS_SHIFT_DAY",
    "CLASSES",
    "COHORT_DRIFT_COHORT",
    "COHORT_DRIFT_DAY",
    "COHORT_DRIFT_FACTOR",
    "COHORT_DRIFT_FEATURE",
    "DEMO",
    "JOINT_CHANGE_DAY",
    "JOINT_FEATURES",
    "LABEL_STOP_COHORT",
    "LABEL_STOP_DAY",
    "LOGGER_COHORT",
    "LOGGER_DROP_DAY",
    "LOGGER_DROP_DAYS",
    "LOGGER_KEPT_EVERY",
    "REFERENCE_SHARES",
    "SCENARIOS",
    "SHIFT_CLASS",
    "SHIFT_COHORT",
    "STABLE",
    "TYPING_DAY",
    "UPSTREAM_DAY",
    "WEEKEND_SHARES",
    "Scenario",
    "planted_dates",
    "scenario",
    "save_model",
    "write_duckdb",
    "write_parquet",
    "write_warehouse",
]
