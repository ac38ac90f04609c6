#!/usr/bin/env python3
"""Alert-quality benchmark: do the alerts find each planted event as one incident, on time,
and raise nothing else?

    .venv/bin/python bench/alerts.py                                  # every scenario
    .venv/bin/python bench/alerts.py --scenarios stable,concept_drift
    .venv/bin/python bench/alerts.py --scenarios demo --days 50 --per-day 500   # a quick look

For each scenario: the demo generator writes it (`ml_monitor.demo.SCENARIOS`, planted events
and all) into a fresh DuckDB file; `ml_monitor.pipeline.run` monitors it the way
`ml-monitor demo` does (the fit, then `dbt build`, then the multivariate drift step;
`--all-steps` adds UMAP, LIME and the perturbation checks); then the incidents (`ml_monitor_incidents` and
`ml_monitor_alert_episodes`, docs/alerts.md) are scored against the planted events. The
matching rule is in bench/README.md and in `PLAUSIBLE` below. The table is printed and
written to the work directory as alerts.json and alerts.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from ml_monitor import demo, pipeline
from ml_monitor.config import Project, package_root
from ml_monitor.errors import MonitorError
from ml_monitor.names import ALL

ROOT = package_root()
START = date(2026, 1, 1)  # the generator's default first day


@dataclass(frozen=True)
class Run:
    """One row of the table: a generated scenario at a size."""

    scenario: str
    per_day: int
    days: int


RUNS = {
    "demo": Run("demo", 3000, 60),
    "demo_200": Run("demo", 200, 60),  # the same events, sparse: the tests' power at n = 200
    "stable": Run("stable", 3000, 90),
    "stable_200": Run("stable", 200, 90),
    "slow_drift": Run("slow_drift", 3000, 90),
    "seasonal": Run("seasonal", 3000, 90),
    "seasonal_200": Run("seasonal", 200, 90),
    "concept_drift": Run("concept_drift", 3000, 90),
}
# the fit: estimated performance needs the calibration; multivariate: the only step that sees
# the demo's joint change (about 40 s a scenario: a classifier per weekly window)
FAST_STEPS = ["build", "fit-thresholds", "multivariate"]
ALL_STEPS = [*FAST_STEPS, "project", "explain", "perturb"]

# Which alerts can plausibly show each kind of planted event: alert type -> the column its
# subject must be (or a statistic of, such as ticket_text.length_chars), EVENT for the
# event's own subject, None for any subject (alerts about classes, the class mix or
# performance).
EVENT = "the event's subject"
# What a change of the class mix moves: the predicted mix and label mix first, then
# everything that differs by class (confidence, accuracy, the tickets' length and words).
CLASS_MIX = {
    "class_drift": None,
    "label_shift": None,
    "confidence_anomaly": None,
    "estimated_performance_drop": None,
    "performance_drop": None,
    "embedding_drift": None,
    "feature_drift": "ticket_text",
    "estimator_unreliable": None,
}
PLAUSIBLE = {
    "class_share_shift": CLASS_MIX,
    "class_share_drift": CLASS_MIX,
    # typed tickets are harder: lower confidence and accuracy, another predicted mix, new words
    "typing_drift": {
        "confidence_anomaly": None,
        "estimated_performance_drop": None,
        "performance_drop": None,
        "class_drift": None,
        "embedding_drift": None,
        "feature_drift": "ticket_text",
        "estimator_unreliable": None,
        "calibration_drift": None,
    },
    "feature_nulled": {"null_fraction": EVENT, "feature_drift": EVENT},
    "column_added": {"schema_change": EVENT},
    "column_dropped": {"schema_change": EVENT},
    "column_type_changed": {"schema_change": EVENT},
    # a feature moves in one cohort: its drift there
    "cohort_feature_drift": {"feature_drift": EVENT},
    # a cohort's logger losing rows: its volume and its share of the model's
    "logger_drop": {"volume_drop": None, "cohort_volume_share": None},
    # the cohort's labels stop: its label coverage (and, with a labels table, their freshness)
    "labels_stopped": {"label_coverage_drop": None, "stale_labels": None},
    # confidence does not change, so neither does estimated performance: only labels show
    # it, and that the estimate no longer matches them
    "concept_drift": {"performance_drop": None, "estimator_unreliable": None},
    # two features start to move together, each keeping its distribution: only the
    # multivariate step sees it
    "joint_change": {"multivariate_drift": None},
}
# Buckets an incident's onset may lag its event: a step change is tested in its first
# bucket; a slow drift needs a few days to grow past the effect-size floor.
ONSET_TOLERANCE = {
    "class_share_drift": 7,
    # a window is dated at its latest bucket: up to a week after the change
    "joint_change": 6,
}

# the contract's columns the scoring reads (docs/alerts.md)
INCIDENT_COLUMNS = ["incident_id", "onset", "is_standing", "alert_types", "title"]
EPISODE_COLUMNS = ["incident_id", "alert_type", "cohort_name", "cohort_value", "subject"]
ALERT_COLUMNS = ["alert_type"]


class BenchError(Exception):
    """A scenario could not be scored; the message says why."""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenarios", default=",".join(RUNS), help=f"comma-separated, from: {', '.join(RUNS)} (default: all)"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=ROOT / "bench" / "data_alerts",
        help="one folder per scenario (DuckDB file, model, dbt logs) and the results",
    )
    parser.add_argument("--per-day", type=int, help="predictions per weekday, instead of each scenario's")
    parser.add_argument("--days", type=int, help="days of serving log, instead of each scenario's")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--all-steps", action="store_true", help="also run UMAP, LIME and the perturbation checks (slow)"
    )
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = [name for name in names if name not in RUNS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(RUNS)}")

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    steps = ALL_STEPS if args.all_steps else FAST_STEPS
    results = []
    for name in names:
        run = RUNS[name]
        run = Run(run.scenario, args.per_day or run.per_day, args.days or run.days)
        print(f"{name}: scenario {run.scenario}, {run.per_day:,} predictions a day, {run.days} days", flush=True)
        try:
            results.append(benchmark(name, run, workdir / name, args.seed, steps))
        except BenchError as error:
            print(f"bench/alerts.py: {name}: {error}", file=sys.stderr)
            return 2
    table = [result["summary"] for result in results]
    (workdir / "alerts.json").write_text(
        json.dumps({"seed": args.seed, "steps": steps, "scenarios": results}, indent=2, default=str)
    )
    (workdir / "alerts.md").write_text(markdown(results))
    print()
    print(text_table(table))
    print(f"\nResults: {workdir / 'alerts.md'}, {workdir / 'alerts.json'}")
    return 0


# --- one scenario: generate, monitor, read the incidents ----------------------------------


def benchmark(name: str, run: Run, folder: Path, seed: int, steps: list[str]) -> dict:
    """Generate the scenario, monitor it end to end, and score its incidents."""
    if folder.exists():
        shutil.rmtree(folder)  # a fresh DuckDB file: nothing left from an earlier run
    folder.mkdir(parents=True)
    db = folder / "ml_monitor.duckdb"
    began = time.perf_counter()
    data = demo.generate(
        predictions_per_day=run.per_day, days=run.days, seed=seed, start=START, scenario=demo.scenario(run.scenario)
    )
    # dbt's target and log folders per scenario: other runs may use the demo project's;
    # monitored at the generator's "now"
    project = Project.load(
        ROOT / "demo",
        ROOT / "profiles",
        "duckdb",
        data.dbt_vars(),
        {
            "ML_MONITOR_DUCKDB_PATH": str(db),
            "DBT_TARGET_PATH": str(folder / "dbt_target"),
            "DBT_LOG_PATH": str(folder / "dbt_logs"),
        },
    )
    demo.write_duckdb(data, db, project.source_schema)
    model_path = folder / "ticket_router.joblib"
    demo.save_model(data.model, model_path)
    generated = time.perf_counter()
    try:
        pipeline.run(
            project, str(model_path), steps, full_refresh=True, echo=lambda line: print(f"  {line}", flush=True)
        )
    except MonitorError as error:
        raise BenchError(f"the pipeline failed: {error}") from error
    monitored = time.perf_counter()

    outputs = read_outputs(project)
    result = score(data.events, outputs["incidents"], outputs["episodes"], outputs["alerts"], run.days)
    if data.events.empty:  # every alert is a false alarm: measure each rule's rate
        result["rule_rates"] = rule_rates(project)
    result["summary"] = {
        "scenario": name,
        "per_day": run.per_day,
        "days": run.days,
        **result["summary"],
        "generate_s": round(generated - began, 1),
        "monitor_s": round(monitored - generated, 1),
    }
    return result


def read_outputs(project: Project) -> dict[str, pd.DataFrame]:
    """The incidents, episodes and alerts, in the contract's columns that the scoring reads."""
    tables = {
        "incidents": ("ml_monitor_incidents", INCIDENT_COLUMNS),
        "episodes": ("ml_monitor_alert_episodes", EPISODE_COLUMNS),
        "alerts": ("ml_monitor_alerts", ALERT_COLUMNS),
    }
    frames = {}
    with pipeline.warehouse(project) as wh:
        for key, (table, columns) in tables.items():
            if not wh.table_exists(table):
                raise BenchError(
                    f"{table} was not built: the incident models of docs/alerts.md are "
                    f"not in models/alerts/ yet, or the build left them out"
                )
            missing = sorted(set(columns) - set(wh.columns(table)))
            if missing:
                raise BenchError(f"{table} lacks the contract's column(s) {', '.join(missing)} (docs/alerts.md)")
            frames[key] = wh.query(f"select {', '.join(wh.quote(c) for c in columns)} from {wh.relation(table)}")
    return frames


def rule_rates(project: Project) -> list[dict]:
    """Per alert rule: how many series-buckets it tested with a p-value, how many alerted,
    and how many would have without the FDR adjustment (raw p ≤ the FDR) or the effect."""
    with pipeline.warehouse(project) as wh:
        fdr = project.var("ml_monitor_alert_fdr")
        frame = wh.query(
            f"select alert_type, count(p_value) as tests, sum(case when is_alert then 1 else 0 end) as alerts, "
            f"sum(case when p_value <= {float(fdr)} then 1 else 0 end) as raw_p_below_fdr, "
            f"sum(case when is_effect then 1 else 0 end) as effect_alone "
            f"from {wh.relation('ml_monitor_alert_tests')} group by alert_type order by alert_type"
        )
    return [
        {key: (int(value) if key != "alert_type" else value) for key, value in row.items()}
        for row in frame.fillna(0).to_dict("records")
    ]


# --- scoring ------------------------------------------------------------------------------


def score(
    events: pd.DataFrame, incidents: pd.DataFrame, episodes: pd.DataFrame, alerts: pd.DataFrame, days: int
) -> dict:
    """Match incidents to planted events (bench/README.md) and summarise.

    Each dated incident goes to the planted events it plausibly shows (one of its episodes
    has an alert type, subject and cohort that fit the event) that started on or before its
    onset, the latest of them only (with the days of the events it could show, an alert that
    fits both an old and a new event is the new one's); an incident that goes to none is a
    false incident. An event is detected when its first incident's onset is within its
    tolerance, and detected as one incident when no other incident goes to it.
    """
    events = events.assign(day=events["day"].astype(int))
    standing = incidents["is_standing"].fillna(False).astype(bool) | incidents["onset"].isna()
    dated = incidents[~standing]
    assigned: dict[int, list] = {int(e): [] for e in events["event_id"]}
    false_incidents = []
    for incident in dated.itertuples(index=False):
        onset = bucket(incident.onset)
        own = episodes[episodes["incident_id"] == incident.incident_id]
        fits = [e for e in events.itertuples(index=False) if e.day <= onset and shows(own, e)]
        latest = max((e.day for e in fits), default=None)
        for event in fits:
            if event.day == latest:
                assigned[int(event.event_id)].append((onset, incident))
        if not fits:
            false_incidents.append(incident)

    event_rows = []
    for event in events.itertuples(index=False):
        found = sorted(assigned[int(event.event_id)], key=lambda pair: pair[0])
        tolerance = ONSET_TOLERANCE.get(event.event_type, 0)
        error = found[0][0] - event.day if found else None
        event_rows.append(
            {
                "event_type": event.event_type,
                "day": event.day,
                "subject": event.subject,
                "cohort": f"{event.cohort_name}={event.cohort_value}" if pd.notna(event.cohort_name) else "",
                "incidents": len(found),
                "onset_error": error,
                "tolerance": tolerance,
                "detected": error is not None and error <= tolerance,
                "one_incident": error is not None and error <= tolerance and len(found) == 1,
                "raised": [described(incident) for _, incident in found],  # in onset order
            }
        )

    concept = [row for row in event_rows if row["event_type"] == "concept_drift"]
    summary = {
        "events": len(event_rows),
        "detected": sum(row["detected"] for row in event_rows),
        "one_incident": sum(row["one_incident"] for row in event_rows),
        "onset_errors": " ".join("-" if row["onset_error"] is None else str(row["onset_error"]) for row in event_rows),
        "alerts": len(alerts),
        "episodes": len(episodes),
        "incidents": len(incidents),
        "standing": int(standing.sum()),
        "false": len(false_incidents),
        "false_per_30d": round(len(false_incidents) * 30 / days, 2),
        "concept_by_performance_drop": (
            ""
            if not concept
            else "yes"
            if all(row["detected"] and "performance_drop" in row["raised"][0]["alert_types"] for row in concept)
            else "no"
        ),
    }
    return {
        "summary": summary,
        "events": event_rows,
        "false_incidents": [described(i) for i in sorted(false_incidents, key=lambda i: i.onset)],
        "standing_incidents": [described(i) for i in incidents[standing].itertuples(index=False)],
    }


def described(incident) -> dict:
    """What the tables show of an incident: its onset, alert types (a list) and title."""
    return {
        "onset": None if pd.isna(incident.onset) else str(pd.Timestamp(incident.onset).date()),
        "alert_types": [name.strip() for name in str(incident.alert_types).split(",")],
        "title": incident.title,
    }


def shows(episodes: pd.DataFrame, event) -> bool:
    """Whether one of an incident's episodes can plausibly be the event (PLAUSIBLE)."""
    fitting = PLAUSIBLE.get(event.event_type, {})
    for episode in episodes.itertuples(index=False):
        if episode.alert_type not in fitting:
            continue
        column = event.subject if fitting[episode.alert_type] == EVENT else fitting[episode.alert_type]
        subject = str(episode.subject)
        if column is not None and not (subject == column or subject.startswith(f"{column}.")):
            continue
        # an event in one cohort shows there or in the whole population; an event of the
        # whole population shows in every cohort
        if pd.notna(event.cohort_name) and (episode.cohort_name, episode.cohort_value) not in (
            (event.cohort_name, event.cohort_value),
            (ALL, ALL),
        ):
            continue
        return True
    return False


def bucket(timestamp) -> int:
    """The day number (1-based, as the generator's events) of a daily bucket's start."""
    return (pd.Timestamp(timestamp).normalize() - pd.Timestamp(START)).days + 1


# --- output -------------------------------------------------------------------------------

COLUMNS = [  # (summary key, heading)
    ("scenario", "scenario"),
    ("per_day", "per day"),
    ("days", "days"),
    ("events", "events"),
    ("detected", "detected"),
    ("one_incident", "as 1 incident"),
    ("onset_errors", "onset error (buckets)"),
    ("false", "false incidents"),
    ("false_per_30d", "false / 30 d"),
    ("standing", "standing"),
    ("alerts", "alert rows"),
    ("episodes", "episodes"),
    ("incidents", "incidents"),
    ("concept_by_performance_drop", "concept drift by performance_drop"),
    ("generate_s", "generate s"),
    ("monitor_s", "monitor s"),
]


def text_table(rows: list[dict]) -> str:
    cells = [[heading for _, heading in COLUMNS]] + [[str(row[key]) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(line, widths)) for line in cells]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def markdown(results: list[dict]) -> str:
    def table(headings, rows):
        return "\n".join(
            ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
            + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
        )

    def incident_table(rows):  # (where, described incident)
        return table(
            ["scenario", "onset", "alert types", "title"],
            [[where, i["onset"] or "", ", ".join(i["alert_types"]), i["title"]] for where, i in rows],
        )

    parts = [
        "# Alert-quality benchmark\n",
        table([h for _, h in COLUMNS], [[r["summary"][k] for k, _ in COLUMNS] for r in results]),
        "\n## Planted events\n",
        table(
            [
                "scenario",
                "event",
                "day",
                "subject",
                "cohort",
                "incidents",
                "onset error",
                "tolerance",
                "detected",
                "as 1 incident",
                "first incident",
            ],
            [
                [
                    r["summary"]["scenario"],
                    e["event_type"],
                    e["day"],
                    e["subject"],
                    e["cohort"],
                    e["incidents"],
                    "" if e["onset_error"] is None else e["onset_error"],
                    e["tolerance"],
                    e["detected"],
                    e["one_incident"],
                    e["raised"][0]["title"] if e["raised"] else "",
                ]
                for r in results
                for e in r["events"]
            ],
        ),
        "\n## An ongoing event raised again\n",
        incident_table(
            [
                (r["summary"]["scenario"] + ": " + e["event_type"], i)
                for r in results
                for e in r["events"]
                for i in e["raised"][1:]
            ]
        ),
        "\n## False incidents\n",
        incident_table([(r["summary"]["scenario"], i) for r in results for i in r["false_incidents"]]),
        "\n## Standing incidents\n",
        incident_table([(r["summary"]["scenario"], i) for r in results for i in r["standing_incidents"]]),
        "\n## Each rule's false alarms (scenarios without events: every alert is false)\n",
        table(
            ["scenario", "alert type", "tests", "alerts", "false-alarm rate", "raw p ≤ FDR", "effect alone"],
            [
                [
                    r["summary"]["scenario"],
                    x["alert_type"],
                    x["tests"],
                    x["alerts"],
                    f"{x['alerts'] / x['tests']:.2%}" if x["tests"] else "",
                    x["raw_p_below_fdr"],
                    x["effect_alone"],
                ]
                for r in results
                for x in r.get("rule_rates", [])
            ],
        ),
    ]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    sys.exit(main())
