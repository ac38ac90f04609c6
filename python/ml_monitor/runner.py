"""Run dbt for a project the way the user would: the dbt CLI of this environment, in a
child process, so that its warehouse connections (an embedded DuckDB file is held open by
its process) are closed before the Python steps open theirs."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from .config import Project
from .errors import MonitorError

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NOISE = re.compile(r"^(\d\d:\d\d:\d\d\s+)?(Running with dbt|Registered adapter|Found \d+|Concurrency|Done\.|Finished running|Completed with|$)")


def dbt(project: Project, command: list[str], show_output: bool = False) -> str:
    """Invoke one dbt command against the project's profile and target.

    Returns dbt's output; on failure raises MonitorError whose message is dbt's own error
    lines (which model or test failed and why), not a traceback.
    """
    args = [
        sys.executable, "-m", "dbt.cli.main", "--no-use-colors", *command,
        "--project-dir", str(project.project_dir),
        "--profiles-dir", str(project.profiles_dir),
        "--target", project.target,
    ]
    if project.cli_vars:
        args += ["--vars", json.dumps(project.cli_vars)]
    env = {**os.environ, **project.env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if show_output:
        completed = subprocess.run(args, cwd=project.project_dir, env=env, text=True)
        output = ""
    else:
        completed = subprocess.run(args, cwd=project.project_dir, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output = completed.stdout
    if completed.returncode == -2 or completed.returncode == 130:
        raise KeyboardInterrupt
    if completed.returncode != 0:
        raise MonitorError(f"dbt {command[0]} failed: {_error_summary(output)}")
    return output


def deps(project: Project) -> None:
    """Install the project's packages (packages.yml) when it has any; local paths need no network."""
    if (Path(project.project_dir) / "packages.yml").exists():
        dbt(project, ["deps"])


def build(project: Project, select: str | None = None, exclude: str | None = None,
          full_refresh: bool = False, show_output: bool = False) -> str:
    command = ["build"]
    if select:
        command += ["--select", select]
    if exclude:
        command += ["--exclude", exclude]
    if full_refresh:
        command.append("--full-refresh")
    return dbt(project, command, show_output=show_output)


def _error_summary(output: str) -> str:
    lines = [_ANSI.sub("", line).strip() for line in output.splitlines()]
    lines = [line for line in lines if line and not _NOISE.match(line)]
    interesting = [line for line in lines if re.search(r"error|fail|does not exist|not found", line, re.I)]
    picked = (interesting or lines)[:6]
    return " | ".join(re.sub(r"^\d\d:\d\d:\d\d\s+", "", line) for line in picked)[:1500] or "see dbt's output"
