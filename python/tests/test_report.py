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

from ml_monitor import demo, report, runner
from ml_monitor.config import Project
from ml_monitor.report import SECTIONS, build_report, script_json, write_report
from ml_monitor.warehouse import DuckDBWarehouse, Warehouse

from conftest import PROFILES, DEMO_PROJECT

CHROMIUM = shutil.which("chromium")
needs_browser = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed and could not be: run bin/setup-browser (bin/test does)")

SCHEMA = "main_ml_monitor"
SIZE_BOUND = 5_000_000  # bytes
# Each would mark the page if it ran; the report must show it as text instead.
HOSTILE_TEXT = ("<script>document.documentElement.dataset.pwned='script'</script>"
                "<img src=x onerror=\"document.documentElement.dataset.pwned='img'\">")
HOSTILE_FEATURE = "</script><script>document.documentElement.dataset.pwned='json'</script>"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


# --- helpers ----------------------------------------------------------------------------

def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run headless Chromium with networking disabled."""
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
        "--enable-logging=stderr", "--v=0", f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--virtual-time-budget=10000", *args,
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
    """Small stand-ins for the tables the Python steps write (projection, LIME, perturbation)."""
    classes = sorted(wh.query(f"select distinct predicted_class from {wh.relation('ml_monitor_class_distribution')}")
                     ["predicted_class"])
    model = wh.query(f"select min(model_id) as m from {wh.relation('ml_monitor_confidence')}")["m"].iloc[0]
    rng = np.random.default_rng(0)
    points = [pd.DataFrame({"model_id": model, "sample_id": [f"{source}-{k}-{i}" for i in range(n)], "source": source,
                            "class": k, "x": rng.normal(shift, 1, n), "y": rng.normal(0, 1, n)})
              for k in classes for source, n, shift in (("reference", 200, 0.0), ("serving", 100, 1.0))]
    wh.replace_table("ml_monitor_embedding_projection", pd.concat(points, ignore_index=True))
    wh.replace_table("ml_monitor_embedding_drift", pd.DataFrame(
        [{"model_id": model, "class": k, "window": f"2026-W0{w}", "n_reference": 200, "n_serving": 100,
          "domain_auc": 0.5 + 0.1 * w, "is_drift": w > 1} for k in classes for w in range(1, 4)]))
    features = ["refund", "password", "parcel", HOSTILE_FEATURE]
    wh.replace_table("ml_monitor_class_explanations", pd.DataFrame(
        [{"model_id": model, "explained_class": k, "feature": f, "mean_weight": w, "mean_abs_weight": abs(w), "n_samples": 5}
         for k in classes for f, w in zip(features, (0.3, -0.1, 0.05, 0.2))]))
    queued = wh.query(f"select prediction_id, predicted_class from {wh.relation('ml_monitor_label_queue')}"
                      f" order by prediction_id limit 3")
    wh.replace_table("ml_monitor_explanations", pd.DataFrame(
        [{"model_id": model, "prediction_id": p, "explained_class": k, "feature": f, "weight": w, "rank": r}
         for p, k in queued.itertuples(index=False) for r, (f, w) in enumerate(zip(features, (0.3, -0.1, 0.05, 0.2)), 1)]))
    wh.replace_table("ml_monitor_perturbation_checks", pd.DataFrame(
        [{"model_id": model, "perturbation": p, "predicted_class": "__all__", "n": 500, "flip_rate": f,
          "mean_abs_confidence_change": f / 2, "tolerance": 0.1, "is_failure": f > 0.1}
         for p, f in (("typos", 0.04), ("lowercase", 0.01), ("shuffle_sentences", 0.16))]))


def add_hostile_queue_row(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    queue = f"{schema}.ml_monitor_label_queue"
    con.execute(f"insert into {queue} (model_id, prediction_id, reason, priority, predicted_class, confidence, input_text)"
                f" select min(model_id), 'p-hostile', 'least_confident', 0, 'billing', 0.2, ? from {queue}", [HOSTILE_TEXT])


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
        return write_report(wh, folder / "report.html", demo_run.project)


@pytest.fixture(scope="module")
def rendered(full_report, tmp_path_factory) -> tuple[str, subprocess.CompletedProcess]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed and could not be: run bin/setup-browser (bin/test does)")
    result = chromium(tmp_path_factory.mktemp("chromium"), "--dump-dom", full_report.as_uri())
    return result.stdout, result


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
    memory_warehouse.replace_table("ml_monitor_label_queue", pd.DataFrame({
        "model_id": ["m"], "prediction_id": ["p1"], "reason": ["least_confident"], "priority": [1],
        "predicted_class": ["a"], "confidence": [0.3], "input_text": [HOSTILE_TEXT]}))
    page = build_report(memory_warehouse)
    for section in SECTIONS:
        body = section_html(page, section.id)
        if section.id == "label-queue":
            assert "&lt;script&gt;document" in body and HOSTILE_TEXT in html.unescape(body)
        else:
            assert f"Not computed yet — run <code>{section.command}</code>" in body
    assert HOSTILE_TEXT not in page


def test_python_tables_lacking_columns_are_skipped_not_fatal(memory_warehouse):
    memory_warehouse.replace_table("ml_monitor_perturbation_checks", pd.DataFrame(
        {"model_id": ["m"], "perturbation": ["typos"], "flip_rate": [0.2]}))  # no class, tolerance, is_failure
    memory_warehouse.replace_table("ml_monitor_embedding_projection", pd.DataFrame(
        {"model_id": ["m"], "x": [0.0], "y": [1.0]}))  # no class or source
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


def test_report_inlines_everything(full_report):
    page = full_report.read_text()
    tags = elements(page)
    assert not [t for t, a in tags if t == "link" or (t in ("script", "img", "iframe") and "src" in a)]
    assert "@import" not in page and "url(" not in page
    code = "".join(re.findall(r"<style>(.*?)</style>", page, re.S) + re.findall(r"<script>(.*?)</script>", page, re.S))
    assert set(re.findall(r"https?://[^\s\"'`]+", code)) <= {SVG_NAMESPACE}  # a namespace name, never fetched


def test_every_alert_links_to_a_section(full_report):
    page = full_report.read_text()
    links = re.findall(r'class="alert-link" href="#section-([a-z-]+)"', page)
    assert links and set(links) <= {s.id for s in SECTIONS}


# --- in the browser -----------------------------------------------------------------------

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
    for section in ("alerts", "confidence", "class-mix", "threshold-bands", "schema", "performance",
                    "feature-drift", "embeddings", "explanations", "perturbation"):
        assert "chart-svg" in section_html(dom, section), section


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


@needs_browser
def test_screenshot(full_report, tmp_path):
    shot = tmp_path / "report.png"
    chromium(tmp_path, "--hide-scrollbars", "--window-size=1400,6000", f"--screenshot={shot}", full_report.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # charts, not a blank page


# --- size ---------------------------------------------------------------------------------

def test_report_stays_small_at_a_million_predictions(tmp_path, monkeypatch):
    db_path = tmp_path / "million.duckdb"
    demo.write_duckdb(demo.generate(predictions_per_day=17_000, days=60), db_path)
    monkeypatch.setenv("ML_MONITOR_DUCKDB_PATH", str(db_path))
    project = Project.load(DEMO_PROJECT, PROFILES, "duckdb", {})
    runner.deps(project)
    runner.build(project)
    with Warehouse.connect(project) as wh:
        rows = wh.query(f"select count(*) as n from {wh.relation('stg_ml_monitor__predictions')}")["n"].iloc[0]
        path = write_report(wh, tmp_path / "report.html", project)
    assert rows >= 1_000_000
    assert path.stat().st_size < SIZE_BOUND
    if CHROMIUM:
        dom = chromium(tmp_path, "--dump-dom", path.as_uri()).stdout
        status = next(a for t, a in elements(dom) if a.get("id") == "render-status")
        assert status["data-errors"] == "0" and status["data-done"] == "1"
