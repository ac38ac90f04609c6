"""Where the dbt project, its profile and its vars are, read the way dbt reads them.

The CLI and dbt share one profile (`ml_monitor`) and one set of `ml_monitor_*` vars, so a
user configures the connection and the inputs once.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from .errors import MonitorError

PROFILE_NAME = "ml_monitor"
PACKAGE_NAME = "ml_monitor"
OUTPUT_SCHEMA_SUFFIX = "ml_monitor"  # dbt's +schema for every model of the package


def package_root() -> Path:
    """The ml_monitor dbt package: the repository root, two levels above this file."""
    return Path(__file__).resolve().parents[2]


def _render(value: Any, env: jinja2.Environment) -> Any:
    """Render the jinja in a profile the way dbt does for env_var() and as_number."""
    if isinstance(value, dict):
        return {k: _render(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, env) for v in value]
    if isinstance(value, str) and "{{" in value:
        rendered = env.from_string(value).render()
        return yaml.safe_load(rendered) if rendered.strip() else rendered
    return value


def _jinja_env(overrides: dict[str, str]) -> jinja2.Environment:
    def env_var(name: str, default: str | None = None) -> str:
        value = overrides.get(name, os.environ.get(name, default))
        if value is None:
            raise MonitorError(f"profile: environment variable {name} is not set and has no default")
        return value

    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals["env_var"] = env_var
    env.filters["as_number"] = lambda v: v
    env.filters["as_bool"] = lambda v: v
    env.filters["as_text"] = lambda v: v
    return env


@dataclass
class Project:
    """A dbt project that runs ml_monitor: its folder, profile target and merged vars.

    env holds environment variables for the profile (e.g. ML_MONITOR_DUCKDB_PATH) that
    this project sets for itself and for the dbt processes it starts, over os.environ.
    """

    project_dir: Path
    profiles_dir: Path
    target: str
    cli_vars: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        project_dir: str | Path | None = None,
        profiles_dir: str | Path | None = None,
        target: str | None = None,
        cli_vars: dict | None = None,
        env: dict | None = None,
    ) -> "Project":
        project_dir = Path(project_dir or os.environ.get("ML_MONITOR_PROJECT_DIR") or package_root())
        if not (project_dir / "dbt_project.yml").exists():
            raise MonitorError(f"no dbt_project.yml in {project_dir} (set --project-dir)")
        profiles_dir = Path(
            profiles_dir
            or os.environ.get("DBT_PROFILES_DIR")
            or (project_dir / "profiles" if (project_dir / "profiles" / "profiles.yml").exists() else package_root() / "profiles")
        )
        if not (profiles_dir / "profiles.yml").exists():
            raise MonitorError(f"no profiles.yml in {profiles_dir} (set --profiles-dir or DBT_PROFILES_DIR)")
        project = cls(project_dir.resolve(), profiles_dir.resolve(), "", dict(cli_vars or {}), dict(env or {}))
        project.target = target or project._profile()["target"]
        return project

    # --- profile -----------------------------------------------------------------
    def _profile(self) -> dict:
        with open(self.profiles_dir / "profiles.yml") as fh:
            profiles = yaml.safe_load(fh) or {}
        if PROFILE_NAME not in profiles:
            raise MonitorError(f"profile '{PROFILE_NAME}' not found in {self.profiles_dir / 'profiles.yml'}")
        profile = profiles[PROFILE_NAME]
        return {"target": _render(profile.get("target", "default"), _jinja_env(self.env)), "outputs": profile.get("outputs", {})}

    def output(self) -> dict:
        """The rendered connection settings of the selected target."""
        outputs = self._profile()["outputs"]
        if self.target not in outputs:
            raise MonitorError(f"target '{self.target}' not in profile '{PROFILE_NAME}' (has: {', '.join(outputs)})")
        return _render(outputs[self.target], _jinja_env(self.env))

    @property
    def adapter_type(self) -> str:
        return self.output()["type"]

    @property
    def target_schema(self) -> str:
        return str(self.output()["schema"])

    @property
    def output_schema(self) -> str:
        """The schema dbt's default generate_schema_name gives `+schema: ml_monitor`."""
        return f"{self.target_schema}_{OUTPUT_SCHEMA_SUFFIX}"

    @property
    def source_schema(self) -> str:
        return self.var("ml_monitor_source_schema") or self.target_schema

    # --- vars ---------------------------------------------------------------------
    def _project_vars(self) -> dict:
        """Package defaults, then the user's project vars (global and package-scoped)."""
        merged: dict = {}
        with open(package_root() / "dbt_project.yml") as fh:
            merged.update((yaml.safe_load(fh) or {}).get("vars", {}) or {})
        if self.project_dir != package_root():
            with open(self.project_dir / "dbt_project.yml") as fh:
                user = (yaml.safe_load(fh) or {}).get("vars", {}) or {}
            merged.update({k: v for k, v in user.items() if not isinstance(v, dict) or k.startswith("ml_monitor_")})
            merged.update(user.get(PACKAGE_NAME, {}) or {})
        return merged

    @property
    def vars(self) -> dict:
        merged = self._project_vars()
        merged.update(self.cli_vars)
        return merged

    def var(self, name: str, default: Any = None) -> Any:
        value = self.vars.get(name, default)
        return default if value is None else value

    def column(self, canonical: str) -> str:
        """The user's column name for a canonical column (ml_monitor_columns mapping)."""
        return (self.var("ml_monitor_columns", {}) or {}).get(canonical, canonical)
