"""Run dbt for a project the way the user would: the dbt CLI of this environment, in a
child process, so that its warehouse connections (an embedded DuckDB file is held open by
its process) are closed before the Python steps open theirs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from .config import Project
from .errors import MonitorError, dbt_error_line
from .warehouse import duckdb_lock_error, release_spark

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NOISE = re.compile(
    r"^(\d\d:\d\d:\d\d\s+)?(Running with dbt|Registered adapter|Found \d+|Concurrency|Done\.|Finished running|Completed with|$)"
)


def dbt(
    project: Project, command: list[str], show_output: bool = False, progress: Callable[[str], None] | None = None
) -> str:
    """Invoke one dbt command with the project's options, from the directory ml-monitor runs
    in (as the user would run dbt: relative paths and dbt's default profiles folder are the
    same for both).

    Returns dbt's output, and prints ml_monitor's warnings in it on stderr. On failure
    raises MonitorError with one line: a DuckDB file held by another process says so,
    anything else is dbt's own error lines (which model or test failed and why, not a
    traceback) and where dbt's log is. progress, if given, gets one short line per model,
    seed or test that does not pass as dbt finishes it ("[12/45] ml_monitor_confidence OK 0.4s").
    """
    args = [sys.executable, "-m", "dbt.cli.main", "--no-use-colors", *command, *project.dbt_args()]
    env = {**os.environ, **project.env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    # a local Spark metastore (embedded Derby) admits one process: end this one's session
    release_spark()
    returncode, output = _run_child(
        args, env, capture=not show_output, on_line=(lambda line: _report_node(line, progress)) if progress else None
    )
    if returncode == -signal.SIGINT or returncode == 130:
        raise KeyboardInterrupt
    if returncode != 0:
        raise MonitorError(
            duckdb_lock_error(output)
            or f"dbt {command[0]} failed: {_error_summary(output)} (dbt's log: {_log_file(project)})"
        )
    for warning in dict.fromkeys(_warnings(output)):  # shown also when dbt's output is not
        print(f"Warning: {warning}", file=sys.stderr)
    return output


def _log_file(project: Project) -> Path:
    """Where dbt writes its log: DBT_LOG_PATH, else the project's logs folder."""
    folder = project.env.get("DBT_LOG_PATH") or os.environ.get("DBT_LOG_PATH") or Path(project.project_dir) / "logs"
    return Path(folder).resolve() / "dbt.log"


INTERRUPT_GRACE_SECONDS = 30


def _run_child(
    args: list[str], env: dict, capture: bool, on_line: Callable[[str], None] | None = None
) -> tuple[int, str]:
    """Run dbt in its own session, so that a Ctrl-C reaches it once, from here: on
    KeyboardInterrupt dbt gets one SIGINT, cancels its queries (its open transactions roll
    back, so no half-written table stays), and is waited for; a second Ctrl-C, or dbt still
    running after INTERRUPT_GRACE_SECONDS, kills it. Then the interrupt goes on up."""
    pipe = subprocess.PIPE if capture else None
    process = subprocess.Popen(
        args, env=env, text=True, stdout=pipe, stderr=subprocess.STDOUT if capture else None, start_new_session=True
    )
    try:
        if capture and on_line:
            lines = []
            for line in process.stdout:  # as dbt writes it, for progress
                lines.append(line)
                on_line(line)
            process.wait()
            output = "".join(lines)
        else:
            output, _ = process.communicate()
    except KeyboardInterrupt:
        try:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=INTERRUPT_GRACE_SECONDS)
        except (KeyboardInterrupt, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        raise
    finally:
        if process.poll() is None:  # any other exception: never leave dbt running
            process.kill()
            process.wait()
    return process.returncode, output or ""


def deps(project: Project) -> None:
    """Install the project's packages (packages.yml) when it has any; local paths need no network."""
    if (Path(project.project_dir) / "packages.yml").exists():
        dbt(project, ["deps"])


def build(
    project: Project,
    select: str | None = None,
    exclude: str | None = None,
    full_refresh: bool = False,
    show_output: bool = False,
    progress: Callable[[str], None] | None = None,
) -> str:
    command = ["build"]
    if select:
        command += ["--select", select]
    if exclude:
        command += ["--exclude", exclude]
    if full_refresh:
        command.append("--full-refresh")
    return dbt(project, command, show_output=show_output, progress=progress)


# dbt's line for a finished node: "3 of 45 OK created sql table model schema.name ... [OK in 0.12s]"
_NODE_DONE = re.compile(r"^(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP)\b(.*?)(?:\s\.+\s|\s*\[)")
_NODE_SECONDS = re.compile(r"in ([\d.]+)s\]")


def _report_node(line: str, progress: Callable[[str], None]) -> None:
    match = _NODE_DONE.match(_lines(line)[0] if line.strip() else "")
    if match and match.group(3) != "PASS":  # passing tests are most of the lines: models and problems only
        index, total, status, words = match.groups()
        name = words.split()[-1].split(".")[-1].strip('`"') if words.split() else ""
        name = name if len(name) <= 60 else name[:59] + "…"  # generic tests' names run long
        seconds = _NODE_SECONDS.search(line)
        progress(f"[{index}/{total}] {name} {status}" + (f" {seconds.group(1)}s" if seconds else ""))


_TIME = re.compile(r"^\d\d:\d\d:\d\d(\s+|$)")
_WARNING = "ml_monitor: warning:"


def _lines(output: str) -> list[str]:
    return [_TIME.sub("", _ANSI.sub("", line).strip()) for line in output.splitlines()]


def _warnings(output: str) -> list[str]:
    """ml_monitor's own warnings in dbt's output (e.g. a reference too small to judge drift)."""
    return [line[len(_WARNING) :].strip() for line in _lines(output) if line.startswith(_WARNING)]


def _error_summary(output: str) -> str:
    """The lines that say what failed: ml_monitor's own messages when there are any (they
    name the var and the column), else dbt's error summary without the macro call stack."""
    lines = _lines(output)
    own = list(
        dict.fromkeys(line for line in lines if line.startswith("ml_monitor:") and not line.startswith(_WARNING))
    )
    if own:
        return " | ".join(own)[:1500]
    if "Encountered an error:" in lines:  # dbt stopped before running a model: its message, not its traceback
        message = lines[lines.index("Encountered an error:") + 1 :]
        message = message[: next((i for i, line in enumerate(message) if line.startswith("Traceback")), len(message))]
        return dbt_error_line("\n".join(message))[:1500]
    summary = next((i for i, line in enumerate(lines) if re.match(r"Completed with \d+ error", line)), None)
    if summary is not None:
        picked = [line for line in lines[summary + 1 :] if line and not line.startswith(">") and not _NOISE.match(line)]
        if picked:
            return " | ".join(dict.fromkeys(picked))[:1500]
    lines = [line for line in lines if line and not _NOISE.match(line)]
    interesting = [line for line in lines if re.search(r"error|fail|does not exist|not found", line, re.I)]
    picked = (interesting or lines)[:6]
    return " | ".join(re.sub(r"^\d\d:\d\d:\d\d\s+", "", line) for line in picked)[:1500] or "see dbt's output"
