"""`ml-monitor notify`, `ack` and `incidents` against real servers on 127.0.0.1: an HTTP
server receiving Apprise `json://` posts and an SMTP server (aiosmtpd) receiving
`mailto://` mail.

A small DuckDB warehouse holds incident and episode tables with the contract's columns,
rewritten between runs to resolve, escalate or spread incidents; one case runs on the real
demo. The CLI runs in this process (its real entry point, output captured at the file
descriptors) except where separate processes are the point: two concurrent runs.
"""

from __future__ import annotations

import email
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from aiosmtpd.controller import Controller

from conftest import DEMO_PROJECT, PROFILES, make_project, ml_monitor
from ml_monitor import names, notify, pipeline
from ml_monitor.config import Project
from ml_monitor.names import ALL
from ml_monitor.warehouse import Warehouse


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Webhook:
    """An HTTP server on 127.0.0.1 that records what Apprise's json:// posts. `accept`
    bounds how many posts it accepts before answering 500; `delay` slows each answer."""

    def __init__(self):
        self.port, self.posts, self.accept, self.delay, self._server = free_port(), [], None, 0.0, None
        self.start()

    @property
    def delivered(self) -> list[dict]:
        return [p for p in self.posts if p["accepted"]]

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def start(self) -> None:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(hook.delay)
                accepted = hook.accept is None or len(hook.delivered) < hook.accept
                hook.posts.append({**body, "path": self.path, "headers": dict(self.headers), "accepted": accepted})
                self.send_response(200 if accepted else 500)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.stop()


@pytest.fixture
def mailbox():
    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(email.message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    received: list = []
    controller = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, received
    controller.stop()


# --- a warehouse whose incidents the test writes ---------------------------------------------


@dataclass
class Spec:
    """An incident: its episodes are `series` confidence alerts, one per cohort value."""

    id: str
    status: str = "open"
    severity: str = "warning"
    series: int = 1
    onset: str = "2026-02-09"


@dataclass
class Fixture:
    project: Project
    args: list[str]  # the CLI's global options for this warehouse
    specs: dict[str, Spec] = field(default_factory=dict)

    def write(self, *specs: Spec) -> None:
        """Set these incidents (others stay as they are) and rewrite both tables."""
        self.specs.update({s.id: s for s in specs})
        incidents, episodes = [], []
        for s in self.specs.values():
            onset = pd.Timestamp(s.onset)
            cohorts = [f"c{k}" for k in range(s.series)]
            incidents.append(
                {
                    "incident_id": s.id,
                    "model_id": "router",
                    "onset": onset,
                    "last_bucket": onset,
                    "status": s.status,
                    "is_standing": False,
                    "severity": s.severity,
                    "alert_types": "confidence_anomaly",
                    "n_episodes": s.series,
                    "n_alerts": s.series,
                    "n_cohorts": s.series,
                    "n_subjects": 1,
                    "cohorts": ", ".join(f"channel={c}" for c in cohorts),
                    "subjects": ALL,
                    "title": f"{s.onset}: confidence down 0.1 in {s.id}",
                }
            )
            episodes += [
                {
                    "incident_id": s.id,
                    "episode_id": f"{s.id}-{c}",
                    "model_id": "router",
                    "alert_type": "confidence_anomaly",
                    "cohort_name": "channel",
                    "cohort_value": c,
                    "subject": ALL,
                    "first_bucket": onset,
                    "last_bucket": onset,
                    "buckets_alerting": 1,
                    "peak_severity": s.severity,
                    "peak_metric": "mean_confidence_delta",
                    "peak_value": -0.1,
                    "peak_threshold": 0.03,
                    "peak_p_value_adjusted": 1e-6,
                    "is_open": s.status == "open",
                }
                for c in cohorts
            ]
        with Warehouse.connect(self.project, create=True) as wh:
            wh.replace_table(names.INCIDENTS, pd.DataFrame(incidents))
            wh.replace_table(names.ALERT_EPISODES, pd.DataFrame(episodes))

    def table(self, name: str) -> pd.DataFrame:
        with Warehouse.connect(self.project) as wh:
            return wh.query(f"select * from {wh.relation(name)}") if wh.table_exists(name) else pd.DataFrame()


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory) -> Path:
    """One path for every test's warehouse: dbt parses the project afresh for a new profile,
    and the path is part of it, so with one path each CLI run reuses the partial parse."""
    return tmp_path_factory.mktemp("notify") / "warehouse.duckdb"


@pytest.fixture
def warehouse(warehouse_path) -> Fixture:
    db = warehouse_path
    for leftover in (db, db.with_name(db.name + ".wal")):  # each test starts with no warehouse
        leftover.unlink(missing_ok=True)
    return Fixture(
        make_project(db),
        ["--project-dir", str(DEMO_PROJECT), "--profiles-dir", str(PROFILES), "--target", "duckdb", "--db", str(db)],
    )


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(notify, "RETRY_DELAYS", (0.01, 0.01))
    monkeypatch.delenv("ML_MONITOR_NOTIFY_URLS", raising=False)
    monkeypatch.delenv("ML_MONITOR_REPORT_URL", raising=False)


def titles(posts: list[dict]) -> list[str]:
    return sorted(p["title"] for p in posts)


# --- cases -------------------------------------------------------------------------------------


def test_one_message_per_open_incident_then_nothing(warehouse, webhook, capfd):
    warehouse.write(Spec("inc_a"), Spec("inc_b", severity="critical", series=3), Spec("old", status="resolved"))
    first = ml_monitor(
        capfd, *warehouse.args, "notify", "--url", webhook.url(), "--report-url", "https://r.example/x.html"
    )
    assert first.code == 0, first.err
    assert titles(webhook.posts) == [
        "CRITICAL incident: 2026-02-09: confidence down 0.1 in inc_b",
        "WARNING incident: 2026-02-09: confidence down 0.1 in inc_a",
    ]
    critical = next(p for p in webhook.posts if "inc_b" in p["title"])
    assert critical["type"] == "failure"
    assert "[https://r.example/x.html#incident-inc_b](https://r.example/x.html#incident-inc_b)" in critical["message"]
    assert "mean_confidence_delta -0.1 (threshold 0.03)" in critical["message"]
    assert "channel=c0, channel=c1, channel=c2" in critical["message"]
    # the incident already resolved before the channel's first run is history: recorded, not sent
    state = warehouse.table(names.NOTIFICATIONS).set_index("incident_id")
    assert state.loc["old", "change_sent"] == "history" and pd.isna(state.loc["old", "sent_at"])
    assert state.loc["inc_b", "n_series_sent"] == 3 and state.loc["inc_b", "attempts"] == 1

    second = ml_monitor(capfd, *warehouse.args, "notify", "--url", webhook.url())
    assert second.code == 0 and "nothing new" in second.out
    assert len(webhook.posts) == 2


def test_resolution_escalation_spread_ack_and_reopening(warehouse, webhook, capfd):
    def run() -> list[str]:
        before = len(webhook.posts)
        result = ml_monitor(capfd, *warehouse.args, "notify", "--url", webhook.url())
        assert result.code == 0, result.err
        return titles(webhook.posts[before:])

    warehouse.write(Spec("inc_a"), Spec("inc_b"), Spec("inc_c"))
    assert len(run()) == 3
    warehouse.write(Spec("inc_a", status="resolved"), Spec("inc_b", severity="critical"), Spec("inc_c", series=3))
    assert run() == [
        "CRITICAL incident escalated: 2026-02-09: confidence down 0.1 in inc_b",
        "Resolved: 2026-02-09: confidence down 0.1 in inc_a",
        "WARNING incident escalated: 2026-02-09: confidence down 0.1 in inc_c",
    ]
    spread = next(p for p in webhook.posts if p["title"].startswith("WARNING incident escalated"))
    assert "alerting series 1 → 3" in spread["message"]
    assert run() == []

    # acknowledged (by a prefix of its id): a spread sends nothing, the resolution does
    acked = ml_monitor(capfd, *warehouse.args, "ack", "inc_c", "--note", "on it")
    assert acked.code == 0 and "Acknowledged inc_c" in acked.out
    listed = ml_monitor(capfd, *warehouse.args, "incidents").out.splitlines()
    assert [line.split()[:3] for line in listed] == [["inc_b", "critical", "2026-02-09:"], ["inc_c", "warning", "ack"]]
    warehouse.write(Spec("inc_c", series=5, severity="critical"))
    assert run() == []
    warehouse.write(Spec("inc_c", status="resolved", series=5, severity="critical"))
    assert run() == ["Resolved: 2026-02-09: confidence down 0.1 in inc_c"]
    assert warehouse.table(names.ACKNOWLEDGEMENTS).empty  # an acknowledgement lasts until the incident resolves

    # a resolved incident that opens again; one that opened and resolved between two runs
    warehouse.write(Spec("inc_a"), Spec("inc_e", status="resolved", onset="2026-02-20"))
    assert run() == [
        "Resolved: 2026-02-20: confidence down 0.1 in inc_e",
        "WARNING incident reopened: 2026-02-09: confidence down 0.1 in inc_a",
    ]
    between = next(p for p in webhook.posts if "inc_e" in p["title"])
    assert "Opened and resolved since the last run" in between["message"]
    assert run() == []


def test_ack_refuses_unknown_and_resolved_incidents(warehouse, capfd):
    warehouse.write(Spec("inc_a"), Spec("inc_ab"), Spec("done", status="resolved"))
    assert ml_monitor(capfd, *warehouse.args, "ack", "inc_a").code == 0  # an exact id wins over a prefix
    result = ml_monitor(capfd, *warehouse.args, "ack", "inc")
    assert result.code == 1 and "ambiguous (2 ids" in result.err
    result = ml_monitor(capfd, *warehouse.args, "ack", "done")
    assert result.code == 1 and "is resolved: nothing to acknowledge" in result.err
    result = ml_monitor(capfd, *warehouse.args, "ack", "nope")
    assert result.code == 1 and "not found" in result.err


def test_failed_channel_retries_exits_1_and_the_next_run_sends_exactly_the_rest(warehouse, webhook, capfd):
    other = Webhook()
    try:
        warehouse.write(
            Spec("inc_a", onset="2026-02-01"), Spec("inc_b", onset="2026-02-02"), Spec("inc_c", onset="2026-02-03")
        )
        webhook.accept = 1  # takes the first message, then answers 500
        result = ml_monitor(capfd, *warehouse.args, "notify", "--url", webhook.url(), "--url", other.url())
        assert result.code == 1
        assert f"delivery failed to json://…/*** [{notify.channel_key(webhook.url())[:8]}]" in result.err
        assert "2 change(s) left for the next run" in result.err and "error=500" in result.err
        # the failing channel does not hold back the other one
        assert len(other.delivered) == 3
        assert titles(webhook.delivered) == ["WARNING incident: 2026-02-01: confidence down 0.1 in inc_a"]
        assert len(webhook.posts) == 1 + notify.TRIES  # inc_b tried three times; inc_c waits
        state = warehouse.table(names.NOTIFICATIONS)
        failed = state[(state["channel_key"] == notify.channel_key(webhook.url())) & state["sent_at"].isna()]
        assert failed[["incident_id", "attempts"]].values.tolist() == [["inc_b", 3]]
        assert "error=500" in failed["last_error"].iloc[0]

        webhook.accept = None
        result = ml_monitor(capfd, *warehouse.args, "notify", "--url", webhook.url(), "--url", other.url())
        assert result.code == 0, result.err
        assert titles(webhook.delivered) == [
            "WARNING incident: 2026-02-01: confidence down 0.1 in inc_a",
            "WARNING incident: 2026-02-02: confidence down 0.1 in inc_b",
            "WARNING incident: 2026-02-03: confidence down 0.1 in inc_c",
        ]
        assert len(other.posts) == 3
        state = warehouse.table(names.NOTIFICATIONS).set_index(["incident_id", "channel_key"])
        row = state.loc[("inc_b", notify.channel_key(webhook.url()))]
        assert row["attempts"] == 4 and pd.isna(row["last_error"])  # three failed tries, then one
    finally:
        other.stop()


def test_server_down_records_nothing_and_the_secret_is_never_shown(warehouse, webhook, capfd):
    secret_url = (
        webhook.url("hooks/T0KENabc123def").replace("json://", "json://ops:pa55w0rdXYZ@") + "?+X-Api-Key=hdrSECRET77"
    )
    secrets = ["T0KENabc123def", "pa55w0rdXYZ", "hdrSECRET77"]

    def stored() -> str:
        """Every table of the warehouse as text."""
        with duckdb.connect(warehouse.project.env["ML_MONITOR_DUCKDB_PATH"], read_only=True) as con:
            tables = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
            return "".join(con.execute(f"select * from {schema}.{table}").df().to_csv() for schema, table in tables)

    warehouse.write(Spec("inc_a"), Spec("inc_b"))
    webhook.stop()
    down = ml_monitor(capfd, *warehouse.args, "notify", "--url", secret_url)
    assert down.code == 1 and "json://…/***" in down.err
    assert warehouse.table(names.NOTIFICATIONS)["sent_at"].isna().all()
    after_failure = stored()
    assert "Connection error occurred sending JSON notification to ***" in after_failure  # recorded, redacted
    preview = ml_monitor(capfd, *warehouse.args, "notify", "--url", secret_url, "--dry-run")
    webhook.start()
    up = ml_monitor(capfd, *warehouse.args, "notify", "--url", secret_url)
    assert up.code == 0 and len(webhook.posts) == 2
    assert (
        webhook.posts[0]["path"] == "/hooks/T0KENabc123def"
        and webhook.posts[0]["headers"]["X-Api-Key"] == "hdrSECRET77"
    )
    bad = ml_monitor(capfd, *warehouse.args, "notify", "--url", "nosuchservice://pa55w0rdXYZ@x/T0KENabc123def")
    assert bad.code == 1 and "is not a URL Apprise can send to" in bad.err

    shown = "".join(r.out + r.err for r in (down, preview, up, bad))
    for secret in secrets:
        assert secret not in shown and secret not in after_failure and secret not in stored()


def test_dry_run_sends_and_records_nothing(warehouse, webhook, capfd):
    warehouse.write(Spec("inc_a", severity="critical"))
    result = ml_monitor(capfd, *warehouse.args, "notify", "--url", webhook.url(), "--dry-run")
    assert result.code == 0
    assert "1 message(s) would be sent" in result.out and "CRITICAL incident: 2026-02-09" in result.out
    assert webhook.posts == [] and warehouse.table(names.NOTIFICATIONS).empty


def test_digest_is_one_message_per_run(warehouse, webhook, capfd):
    warehouse.write(Spec("inc_a"), Spec("inc_b", severity="critical"), Spec("inc_c"))
    assert ml_monitor(capfd, *warehouse.args, "notify", "--url", webhook.url(), "--digest").code == 0
    assert [p["title"] for p in webhook.posts] == ["ml_monitor: 3 incident changes, 3 open"]
    assert webhook.posts[0]["message"].count("- **new**") == 3 and webhook.posts[0]["type"] == "failure"
    warehouse.write(Spec("inc_a", status="resolved"))
    assert ml_monitor(capfd, *warehouse.args, "notify", "--url", webhook.url(), "--digest").code == 0
    assert webhook.posts[-1]["title"] == "ml_monitor: 1 incident change, 0 open" and len(webhook.posts) == 2


def test_email_reads_as_plain_text(warehouse, mailbox, capfd):
    controller, received = mailbox
    url = f"mailto://127.0.0.1:{controller.port}?mode=insecure&from=monitor@example.com&to=team@example.com"
    warehouse.write(Spec("inc_a", severity="critical"))
    assert (
        ml_monitor(capfd, *warehouse.args, "notify", "--url", url, "--report-url", "https://r.example/x.html").code == 0
    )
    warehouse.write(Spec("inc_a", severity="critical", status="resolved"))
    assert ml_monitor(capfd, *warehouse.args, "notify", "--url", url).code == 0
    assert ml_monitor(capfd, *warehouse.args, "notify", "--url", url).code == 0
    assert [m["Subject"] for m in received] == [
        "CRITICAL incident: 2026-02-09: confidence down 0.1 in inc_a",
        "Resolved: 2026-02-09: confidence down 0.1 in inc_a",
    ]
    text = received[0].get_body(("plain",)).get_content()
    assert "CRITICAL · open since 2026-02-09" in text and "**" not in text
    assert "https://r.example/x.html#incident-inc_a" in text


@pytest.mark.slow
def test_two_concurrent_runs_send_each_change_once(warehouse, webhook):
    warehouse.write(*(Spec(f"inc_{k}") for k in range(4)))
    webhook.delay = 0.2  # each process holds its turn long enough for the other to try
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "ml_monitor.cli", *warehouse.args, "notify", "--url", webhook.url()],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in processes]
    # DuckDB admits one writing process: the other either found the work done or was refused
    assert all(code == 0 or "in use by another process" in err for code, err in results), results
    assert titles(webhook.posts) == sorted(
        f"WARNING incident: 2026-02-09: confidence down 0.1 in inc_{k}" for k in range(4)
    )


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("ML_MONITOR_PG_PORT"), reason="set ML_MONITOR_PG_PORT to test PostgreSQL")
def test_two_concurrent_runs_on_postgresql_wait_for_each_other(webhook, monkeypatch):
    monkeypatch.setenv("ML_MONITOR_TARGET", "postgres")
    monkeypatch.setenv("ML_MONITOR_PG_SCHEMA", f"test_{uuid.uuid4().hex[:8]}")
    project = Project.load(DEMO_PROJECT, PROFILES)
    fixture = Fixture(project, ["--project-dir", str(DEMO_PROJECT), "--profiles-dir", str(PROFILES)])
    try:
        fixture.write(*(Spec(f"inc_{k}") for k in range(4)))
        webhook.delay = 0.2
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "ml_monitor.cli", *fixture.args, "notify", "--url", webhook.url()],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in processes]
        assert [code for code, *_ in results] == [0, 0], results
        assert sorted(out.strip().split(": ")[-1] for _, out, _ in results) == ["4 change(s) sent", "nothing new"]
        assert len(webhook.posts) == 4
    finally:
        with Warehouse.connect(project) as wh:
            wh._execute(f"drop schema if exists {wh.quote(wh.schema)} cascade")


def test_run_ends_with_the_notify_step(warehouse, webhook):
    warehouse.write(Spec("inc_a"))
    said = []
    pipeline.run(warehouse.project, None, steps=["notify"], echo=said.append)
    assert said == ["notify: skipped (no channel: --notify-url or ML_MONITOR_NOTIFY_URLS)"]
    pipeline.run(warehouse.project, None, steps=["notify"], echo=said.append, notify_urls=[webhook.url()])
    assert len(webhook.posts) == 1 and said[-1].endswith("1 change(s) sent")


@pytest.mark.slow
def test_on_the_demo_one_message_per_incident_and_a_rerun_sends_nothing(demo_run, webhook, tmp_path):
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_run.db_path, db)
    project = make_project(db)
    incidents = demo_run.table("ml_monitor_incidents")
    open_ids = sorted(incidents.loc[incidents["status"] == "open", "incident_id"])
    assert open_ids and len(demo_run.table("ml_monitor_alerts")) > 10 * len(open_ids)
    pipeline.notify(project, [webhook.url()], "https://r.example/report.html", echo=lambda _: None)
    assert sorted(p["message"].split("#incident-")[1].split("]")[0] for p in webhook.posts) == open_ids
    assert sorted(p["title"].split(": ", 1)[1] for p in webhook.posts) == sorted(
        incidents.loc[incidents["status"] == "open", "title"]
    )
    pipeline.notify(project, [webhook.url()], echo=lambda _: None)
    assert len(webhook.posts) == len(open_ids)
