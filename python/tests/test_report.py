"""The HTML report: its bounded data, its escaping, and how it renders in a real browser.

Browser checks run Debian's chromium (bin/setup-browser installs it) as a subprocess with
networking disabled (every request goes to a proxy that does not exist), so the page must
be complete on its own. `--dump-dom` returns the DOM after the page's script ran: its
#render-status element records the errors and charts drawn, and every chart's SVG counts
its drawn marks. Chromium's own log (stderr) prints every console message, and the report
logs none, so any console line is an error.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import DEMO_PROJECT, PROFILES, make_project
from ml_monitor import demo, pipeline, report, runner
from ml_monitor.config import Project
from ml_monitor.names import ALL
from ml_monitor.names import DUCKDB_OUTPUT_SCHEMA as SCHEMA
from ml_monitor.report import SECTIONS, build_report, script_json, write_report
from ml_monitor.warehouse import DuckDBWarehouse, Warehouse

CHROMIUM = shutil.which("chromium")
needs_browser = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed and could not be: run bin/setup-browser (bin/test does)"
)

SIZE_BOUND = 5_000_000  # bytes
# Each would mark the page if it ran; the report must show it as text instead.
HOSTILE_TEXT = (
    "<script>document.documentElement.dataset.pwned='script'</script>"
    "<img src=x onerror=\"document.documentElement.dataset.pwned='img'\">"
)
HOSTILE_FEATURE = "</script><script>document.documentElement.dataset.pwned='json'</script>"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


# --- helpers ----------------------------------------------------------------------------


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run headless Chromium with networking disabled."""
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--virtual-time-budget=10000",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)


def console_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


class _Elements(HTMLParser):
    """Every start tag of a document, with its attributes, in order."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def elements(document: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(document)
    return parser.tags


def section_html(page: str, section_id: str) -> str:
    match = re.search(rf'<section id="section-{section_id}".*?</section>', page, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def add_python_tables(wh: Warehouse) -> None:
    """Small stand-ins for the tables the Python steps write (projection, LIME, perturbation,
    multivariate drift)."""
    classes = sorted(
        wh.query(f"select distinct predicted_class from {wh.relation('ml_monitor_class_distribution')}")[
            "predicted_class"
        ]
    )
    model = wh.query(f"select min(model_id) as m from {wh.relation('ml_monitor_confidence')}")["m"].iloc[0]
    rng = np.random.default_rng(0)
    points = [
        pd.DataFrame(
            {
                "model_id": model,
                "sample_id": [f"{source}-{k}-{i}" for i in range(n)],
                "source": source,
                "class": k,
                "x": rng.normal(shift, 1, n),
                "y": rng.normal(0, 1, n),
            }
        )
        for k in classes
        for source, n, shift in (("reference", 200, 0.0), ("serving", 100, 1.0))
    ]
    wh.replace_table("ml_monitor_embedding_projection", pd.concat(points, ignore_index=True))
    wh.replace_table(
        "ml_monitor_embedding_drift",
        pd.DataFrame(
            [
                {
                    "model_id": model,
                    "class": k,
                    "window": f"2026-W0{w}",
                    "n_reference": 200,
                    "n_serving": 100,
                    "domain_auc": 0.5 + 0.1 * w,
                    "is_drift": w > 1,
                }
                for k in classes
                for w in range(1, 4)
            ]
        ),
    )
    features = ["refund", "password", "parcel", HOSTILE_FEATURE]
    wh.replace_table(
        "ml_monitor_class_explanations",
        pd.DataFrame(
            [
                {
                    "model_id": model,
                    "explained_class": k,
                    "feature": f,
                    "mean_weight": w,
                    "mean_abs_weight": abs(w),
                    "n_samples": 5,
                }
                for k in classes
                for f, w in zip(features, (0.3, -0.1, 0.05, 0.2))
            ]
        ),
    )
    queued = wh.query(
        f"select prediction_id, predicted_class from {wh.relation('ml_monitor_label_queue')}"
        f" order by prediction_id limit 3"
    )
    wh.replace_table(
        "ml_monitor_explanations",
        pd.DataFrame(
            [
                {"model_id": model, "prediction_id": p, "explained_class": k, "feature": f, "weight": w, "rank": r}
                for p, k in queued.itertuples(index=False)
                for r, (f, w) in enumerate(zip(features, (0.3, -0.1, 0.05, 0.2)), 1)
            ]
        ),
    )
    wh.replace_table(
        "ml_monitor_perturbation_checks",
        pd.DataFrame(
            [
                {
                    "model_id": model,
                    "perturbation": p,
                    "predicted_class": ALL,
                    "n": 500,
                    "flip_rate": f,
                    "mean_abs_confidence_change": f / 2,
                    "tolerance": 0.1,
                    "is_failure": f > 0.1,
                }
                for p, f in (("typos", 0.04), ("lowercase", 0.01), ("shuffle_sentences", 0.16))
            ]
        ),
    )
    weeks = pd.date_range("2026-01-05", periods=4, freq="7D")
    wh.replace_table(
        "ml_monitor_multivariate_drift",
        pd.DataFrame(
            [
                {
                    "model_id": model,
                    "window": f"{w:%Y-%m-%d}",
                    "window_start": w,
                    "bucket_start": w + pd.Timedelta(days=6),
                    "n_reference": 2000,
                    "n_serving": 700,
                    "features": "x,y",
                    "dropped_features": "",
                    "domain_auc": auc,
                    "auc_null_sd": 0.0127,
                    "p_value": 0.5 if auc < 0.6 else 1e-20,
                    "threshold": 0.6,
                    "is_drift": auc > 0.6,
                    "reconstruction_error": 0.8,
                    "reconstruction_lower": 0.7,
                    "reconstruction_upper": 0.9,
                    "is_reconstruction_drift": False,
                }
                for w, auc in zip(weeks, (0.5, 0.51, 0.72, 0.93))
            ]
        ),
    )


def add_hostile_queue_row(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    queue = f"{schema}.ml_monitor_label_queue"
    con.execute(
        f"insert into {queue} (model_id, prediction_id, reason, priority, predicted_class, confidence, input_text)"
        f" select min(model_id), 'p-hostile', 'least_confident', 0, 'billing', 0.2, ? from {queue}",
        [HOSTILE_TEXT],
    )


def add_incident_tables(wh: Warehouse) -> None:
    """Alerts, episodes and incidents with the columns of docs/alerts.md, for what the demo
    lacks: an incident of more episodes, and episodes of more alerts, than the report shows,
    and a standing incident (a perturbation failure)."""
    day = pd.Timestamp("2026-02-01")
    series = [  # episode, incident, alert type, cohort, subject, buckets, severity
        *[
            (
                f"e-conf-{k}",
                "inc-open",
                "confidence_anomaly",
                "channel",
                "chat",
                f"class_{k:02}",
                range(18, 30),
                "critical",
            )
            for k in range(25)
        ],
        ("e-drift", "inc-open", "feature_drift", ALL, ALL, "text_length", range(18, 21), "critical"),
        ("e-label", "inc-resolved", "label_shift", ALL, ALL, "label_mix", range(3, 5), "warning"),
        ("e-quality", "inc-resolved", "data_quality", ALL, ALL, "null_id", [4], "warning"),
        (
            "e-perturb",
            "inc-standing",
            "perturbation_failure",
            ALL,
            ALL,
            "typos:__all__",
            [None],
            "critical",
        ),
    ]
    alerts, episodes = [], []
    for episode, incident, kind, cohort_name, cohort_value, subject, days, severity in series:
        buckets = [None if d is None else day + pd.Timedelta(days=d) for d in days]
        key = {
            "model_id": "m",
            "alert_type": kind,
            "cohort_name": cohort_name,
            "cohort_value": cohort_value,
            "subject": subject,
        }
        alerts += [
            {
                **key,
                "bucket_start": b,
                "metric": "stat",
                "value": 0.5,
                "threshold": 0.2,
                "p_value": None if b is None else 0.001,
                "p_value_adjusted": None if b is None else 0.004,
                "severity": severity,
            }
            for b in buckets
        ]
        episodes.append(
            {
                "episode_id": episode,
                "incident_id": incident,
                **key,
                "first_bucket": buckets[0],
                "last_bucket": buckets[-1],
                "buckets_alerting": len(buckets),
                "peak_severity": severity,
                "peak_metric": "stat",
                "peak_value": 0.5,
                "is_open": incident != "inc-resolved",
            }
        )
    episodes = pd.DataFrame(episodes)
    incidents = (
        episodes.groupby("incident_id")
        .agg(
            model_id=("model_id", "first"),
            onset=("first_bucket", "min"),
            last_bucket=("last_bucket", "max"),
            severity=("peak_severity", "min"),
            alert_types=("alert_type", lambda t: ", ".join(sorted(set(t)))),
            n_episodes=("episode_id", "size"),
            n_alerts=("buckets_alerting", "sum"),
            subjects=("subject", lambda t: ", ".join(sorted(set(t)))),
        )
        .reset_index()
    )
    incidents = incidents.assign(
        status=np.where(incidents.incident_id == "inc-resolved", "resolved", "open"),
        is_standing=incidents.onset.isna(),
        n_cohorts=1,
        n_subjects=incidents.subjects.str.count(",") + 1,
        cohorts="all",
        title=incidents.onset.dt.strftime("%Y-%m-%d").fillna("standing") + ": " + incidents.alert_types,
    )
    wh.replace_table("ml_monitor_alerts", pd.DataFrame(alerts))
    wh.replace_table("ml_monitor_alert_episodes", episodes)
    wh.replace_table("ml_monitor_incidents", incidents)


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full_report(demo_run, tmp_path_factory) -> Path:
    """The report of a copy of the demo warehouse with every section's tables, and hostile texts."""
    folder = tmp_path_factory.mktemp("report")
    db_path = folder / "warehouse.duckdb"
    shutil.copy(demo_run.db_path, db_path)
    con, schema = duckdb.connect(str(db_path)), demo_run.project.output_schema
    with DuckDBWarehouse(con, schema) as wh:
        add_python_tables(wh)
        add_hostile_queue_row(con, schema)
        return write_report(wh, folder / "report.html")


@pytest.fixture(scope="module")
def rendered(full_report, tmp_path_factory) -> tuple[str, subprocess.CompletedProcess]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed and could not be: run bin/setup-browser (bin/test does)")
    result = chromium(tmp_path_factory.mktemp("chromium"), "--dump-dom", full_report.as_uri())
    return result.stdout, result


@pytest.fixture(scope="module")
def incident_project(tmp_path_factory) -> Project:
    """A warehouse holding only the alert tables of add_incident_tables, as the demo project's,
    and the report's views of their incidents' episodes."""
    db_path = tmp_path_factory.mktemp("incidents") / "warehouse.duckdb"
    project = make_project(db_path)
    with Warehouse.connect(project, create=True) as wh:
        add_incident_tables(wh)
    runner.dbt(project, ["run", "--select", "ml_monitor_report__episodes", "ml_monitor_report__episode_alerts"])
    return project


@pytest.fixture(scope="module")
def incident_report(incident_project, tmp_path_factory) -> Path:
    with Warehouse.connect(incident_project) as wh:
        return write_report(wh, tmp_path_factory.mktemp("incident-report") / "report.html")


@pytest.fixture
def memory_warehouse():
    with DuckDBWarehouse(duckdb.connect(), SCHEMA) as wh:
        yield wh


# --- the page -----------------------------------------------------------------------------


def test_script_json_cannot_close_its_element():
    data = {"text": "</script><!-- & \u2028\u2029 <b>", "n": [1, 2.5, None]}
    text = script_json(data)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == data


def test_sections_without_tables_say_what_computes_them(memory_warehouse):
    memory_warehouse.replace_table(
        "ml_monitor_label_queue",
        pd.DataFrame(
            {
                "model_id": ["m"],
                "prediction_id": ["p1"],
                "reason": ["least_confident"],
                "priority": [1],
                "predicted_class": ["a"],
                "confidence": [0.3],
                "input_text": [HOSTILE_TEXT],
            }
        ),
    )
    page = build_report(memory_warehouse)
    for section in SECTIONS:
        body = section_html(page, section.id)
        if section.id == "label-queue":
            assert "&lt;script&gt;document" in body and HOSTILE_TEXT in html.unescape(body)
        else:
            assert f"Not computed yet — run <code>{section.command}</code>" in body
    assert HOSTILE_TEXT not in page


def test_python_tables_lacking_columns_are_skipped_not_fatal(memory_warehouse):
    memory_warehouse.replace_table(
        "ml_monitor_perturbation_checks",
        pd.DataFrame({"model_id": ["m"], "perturbation": ["typos"], "flip_rate": [0.2]}),
    )  # no class, tolerance, is_failure
    memory_warehouse.replace_table(
        "ml_monitor_embedding_projection", pd.DataFrame({"model_id": ["m"], "x": [0.0], "y": [1.0]})
    )  # no class or source
    page = build_report(memory_warehouse)
    assert "typos" in section_html(page, "perturbation")
    assert "lacks the columns" in section_html(page, "embeddings")


def test_write_report_replaces_the_file_atomically(memory_warehouse, tmp_path, monkeypatch):
    path = tmp_path / "out" / "report.html"
    assert write_report(memory_warehouse, path) == path
    assert path.read_text().startswith("<!doctype html>")
    path.write_text("previous")

    def broken_replace(*_):
        raise OSError("disk full")

    monkeypatch.setattr(report.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_report(memory_warehouse, path)
    assert path.read_text() == "previous"
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]  # no temporary file left


@pytest.mark.slow
def test_report_inlines_everything(full_report):
    page = full_report.read_text()
    tags = elements(page)
    assert not [t for t, a in tags if t == "link" or (t in ("script", "img", "iframe") and "src" in a)]
    assert "@import" not in page and "url(" not in page
    code = "".join(re.findall(r"<style>(.*?)</style>", page, re.S) + re.findall(r"<script>(.*?)</script>", page, re.S))
    assert set(re.findall(r"https?://[^\s\"'`]+", code)) <= {SVG_NAMESPACE}  # a namespace name, never fetched


@pytest.mark.slow
def test_every_alert_links_to_a_section(full_report):
    page = full_report.read_text()
    links = re.findall(r'class="alert-link" href="#section-([a-z-]+)"', page)
    assert links and set(links) <= {s.id for s in SECTIONS}


# --- incidents and alerts ---------------------------------------------------------------------


def incident_ids(page: str) -> list[str]:
    return re.findall(r'<details class="incident" id="incident-([^"]+)"', page)


def incident_html(page: str, incident_id: str) -> str:
    return re.search(rf'<details class="incident" id="incident-{incident_id}".*?</details>', page, re.S).group(0)


def episode_types(incident: str) -> list[str]:
    """The alert type of each episode an incident's details show, in order."""
    return re.findall(r'<tr class="group-head"><th[^>]*>\s*<span><span class="badge \w+">([a-z_]+)<', incident)


def listed(incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents in the order the report and the summary list them: the most recent first, standing last."""
    return incidents.sort_values(["onset", "incident_id"], ascending=[False, True], na_position="last")


@pytest.mark.slow
def test_incidents_open_the_report_each_with_its_anchor(demo_run, full_report):
    page = full_report.read_text()
    assert [a["id"] for t, a in elements(page) if t == "section"][0] == "section-incidents"
    incidents = listed(demo_run.table("ml_monitor_incidents"))
    assert len(incidents) >= 3  # the demo plants several events
    assert incident_ids(page) == list(incidents.incident_id)
    for i in incidents.itertuples():
        body = incident_html(page, i.incident_id)
        assert f">{i.severity}<" in body and f">{i.status}<" in body and f">{i.onset:%Y-%m-%d}<" in body
        assert html.escape(i.title.split(": ", 1)[1]) in body
        # episodes of every alert type, however many episodes one type has (the demo's up to dozens)
        assert set(episode_types(body)) == set(i.alert_types.split(", ")), i.title


@pytest.mark.slow
def test_alert_table_shows_every_alert_type(demo_run, full_report):
    heads = re.findall(r'<tr class="group-head">(.*?)</tr>', section_html(full_report.read_text(), "alerts"), re.S)
    shown = {re.search(r'class="badge [a-z]+">([a-z_]+)<', h).group(1): h for h in heads}
    counts = demo_run.table("ml_monitor_alerts")["alert_type"].value_counts()
    assert set(shown) == set(counts.index)
    for alert_type, n in counts.items():
        assert re.search(rf"(>|of ){n} alerts?\b", shown[alert_type]), alert_type


@pytest.mark.slow
def test_segments_show_the_cohorts_carrying_each_population_alert(demo_run, full_report):
    section = section_html(full_report.read_text(), "segments")
    findings = demo_run.table("ml_monitor_segment_findings")
    latest = findings[findings.bucket_start == findings.bucket_start.max()]
    first = latest.sort_values(["alert_type", "subject", "contribution_rank"]).iloc[0]
    assert first.contribution_rank == 1 and f">{first.cohort_value}<" in section and ">contribution rank<" in section


@pytest.mark.slow
def test_summary_prints_the_incidents_first(demo_run):
    lines = pipeline.summarize(demo_run.project)
    incidents = listed(demo_run.table("ml_monitor_incidents"))
    n = len(incidents)
    assert lines[0] == f"incidents ({n}, {(incidents.status == 'open').sum()} open):"
    for line, i in zip(lines[1 : n + 1], incidents.itertuples()):
        assert line.split()[:2] == [i.severity, i.status] and line.endswith(i.title)
    assert lines[n + 1] == "alerts by type:"
    assert len(lines) == n + 2 + demo_run.table("ml_monitor_alerts")["alert_type"].nunique()


@pytest.mark.slow  # dbt builds the incident views
def test_standing_incidents_last_and_big_ones_bounded(incident_project, incident_report):
    page = incident_report.read_text()
    assert incident_ids(page) == ["inc-open", "inc-resolved", "inc-standing"]
    assert pipeline.summarize(incident_project)[1:4] == [
        "  critical open     2026-02-19: confidence_anomaly, feature_drift",
        "  warning  resolved 2026-02-04: data_quality, label_shift",
        "  critical open     standing: perturbation_failure",
    ]
    standing = incident_html(page, "inc-standing")
    assert ">standing<" in standing and ">typos:__all__<" in standing
    # 10 of the open incident's 26 episodes, every type's most severe first, each with 10 of its alerts
    opened = incident_html(page, "inc-open")
    assert "10 of 26 episodes" in opened
    assert episode_types(opened) == ["confidence_anomaly", "feature_drift"] + ["confidence_anomaly"] * 8
    groups = opened.split('<tbody class="group">')[1:]
    assert [g.count("<tr") - 1 for g in groups] == [10, 3] + [10] * 8  # of 12, 3, 12 alerts
    charts = re.search(r'<p class="facts">charts: (.*?)</p>', opened, re.S).group(1)
    assert re.findall(r'href="#section-([a-z-]+)"', charts) == ["confidence", "feature-drift"]


def test_no_incidents_says_so(memory_warehouse, tmp_path):
    assert "Not computed yet" in section_html(build_report(memory_warehouse), "incidents")
    empty = pd.DataFrame(
        {
            c: pd.Series(dtype=t)
            for c, t in (
                ("incident_id", str),
                ("model_id", str),
                ("onset", "datetime64[ns]"),
                ("status", str),
                ("title", str),
            )
        }
    )
    memory_warehouse.replace_table("ml_monitor_incidents", empty)
    assert "No incidents." in section_html(build_report(memory_warehouse), "incidents")
    project = make_project(tmp_path / "empty.duckdb")
    with Warehouse.connect(project, create=True) as wh:
        wh.replace_table(
            "ml_monitor_alerts",
            pd.DataFrame(
                {
                    c: pd.Series(dtype=str)
                    for c in ("alert_type", "bucket_start", "cohort_name", "cohort_value", "subject", "severity")
                }
            ),
        )
    assert pipeline.summarize(project) == ["no alerts"]  # an older build: no incidents table
    with Warehouse.connect(project) as wh:
        wh.replace_table("ml_monitor_incidents", empty)
    assert pipeline.summarize(project) == ["no incidents", "no alerts"]


# --- in the browser -----------------------------------------------------------------------


@pytest.mark.slow
@needs_browser
def test_every_section_and_chart_renders_offline(rendered):
    dom, result = rendered
    tags = elements(dom)
    status = next(a for t, a in tags if a.get("id") == "render-status")
    assert status["data-errors"] == "0", status
    assert status["data-done"] == "1"
    assert console_lines(result) == []
    ids = {a["id"] for t, a in tags if t == "section"}
    assert ids == {f"section-{s.id}" for s in SECTIONS}
    assert not [a for t, a in tags if t == "section" and "missing" in a.get("class", "")]
    charts = [a for t, a in tags if t == "svg" and "chart-svg" in a.get("class", "")]
    assert len(charts) == int(status["data-charts"]) >= 20
    assert all(int(a["data-marks"]) > 0 for a in charts), [a for a in charts if a["data-marks"] == "0"]
    # sections with charts each drew at least one
    for section in (
        "incidents",
        "alerts",
        "confidence",
        "class-mix",
        "threshold-bands",
        "schema",
        "performance",
        "feature-drift",
        "embeddings",
        "explanations",
        "perturbation",
        "calibration",
        "multivariate",
    ):
        assert "chart-svg" in section_html(dom, section), section


@pytest.mark.slow
@needs_browser
def test_hostile_texts_show_as_text_and_never_run(rendered):
    dom, _ = rendered
    tags = elements(dom)
    html_tag = next(a for t, a in tags if t == "html")
    assert "data-pwned" not in html_tag
    assert [t for t, _ in tags].count("script") == 2  # the data blob and the report's own script
    assert not [a for t, a in tags if t == "img"]
    assert html.escape(HOSTILE_TEXT, quote=False) in section_html(dom, "label-queue")
    assert "&lt;/script&gt;&lt;script&gt;" in section_html(dom, "explanations")  # drawn as SVG text


@pytest.mark.slow
@needs_browser
def test_timeline_draws_every_incident(demo_run, rendered):
    dom, _ = rendered
    timeline = section_html(dom, "incidents").split('<div class="incidents">')[0]
    dated = listed(demo_run.table("ml_monitor_incidents")).dropna(subset=["onset"])
    assert re.findall(r'<a href="#incident-([^"]+)">', timeline) == list(dated.incident_id)


@pytest.mark.slow
@needs_browser
def test_incident_timeline_and_anchor(incident_report, tmp_path):
    # a notification's link: the page opens at the incident, expanded
    dom = chromium(tmp_path, "--dump-dom", incident_report.as_uri() + "#incident-inc-resolved").stdout
    tags = elements(dom)
    assert next(a for t, a in tags if a.get("id") == "render-status")["data-errors"] == "0"
    timeline = section_html(dom, "incidents").split('<div class="incidents">')[0]
    assert re.findall(r'<a href="#incident-([^"]+)">', timeline) == ["inc-open", "inc-resolved", "inc-standing"]
    assert 'class="standing"' in timeline  # the standing one apart from the bars
    opened = [a["id"] for t, a in tags if t == "details" and "open" in a]
    assert opened == ["incident-inc-resolved"]


@pytest.mark.slow
@needs_browser
def test_screenshot(full_report, tmp_path):
    shot = tmp_path / "report.png"
    chromium(tmp_path, "--hide-scrollbars", "--window-size=1400,6000", f"--screenshot={shot}", full_report.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # charts, not a blank page


# --- size ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_report_stays_small_at_a_million_predictions(tmp_path, monkeypatch):
    db_path = tmp_path / "million.duckdb"
    data = demo.generate(predictions_per_day=17_000, days=60)
    demo.write_duckdb(data, db_path)
    monkeypatch.setenv("ML_MONITOR_DUCKDB_PATH", str(db_path))
    project = Project.load(DEMO_PROJECT, PROFILES, "duckdb", data.dbt_vars())
    runner.dbt(project, ["run"])  # the models the report reads; their data tests are not its subject
    with Warehouse.connect(project) as wh:
        rows = wh.query(f"select count(*) as n from {wh.relation('stg_ml_monitor__predictions')}")["n"].iloc[0]
        path = write_report(wh, tmp_path / "report.html")
    assert rows >= 1_000_000
    assert path.stat().st_size < SIZE_BOUND
    if CHROMIUM:
        dom = chromium(tmp_path, "--dump-dom", path.as_uri()).stdout
        status = next(a for t, a in elements(dom) if a.get("id") == "render-status")
        assert status["data-errors"] == "0" and status["data-done"] == "1"
