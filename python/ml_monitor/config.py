"""The dbt project ml_monitor runs in, as dbt itself resolves it.

dbt parses the project in this process (`dbtRunner`, the code behind `dbt parse`), so the
Python steps see what `dbt build` sees: the profile the project names, --profiles-dir or
DBT_PROFILES_DIR, --target or DBT_TARGET, env_var() in the profile, the precedence of
--vars over project and package vars, and where every model lands after +schema,
+database and the project's generate_schema_name.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import MonitorError, dbt_error_line
from .names import ALERTS

PACKAGE_NAME = "ml_monitor"
# The Python steps write their tables beside this model, wherever dbt places it; the models
# that read those tables look them up there too (macro ml_monitor.python_output).
ANCHOR_MODEL = ALERTS


def package_root() -> Path:
    """The ml_monitor dbt package this CLI goes with: the copy a wheel installs next to this
    module (ml_monitor/dbt_package), else the repository checkout the module runs from."""
    installed = Path(__file__).resolve().parent / "dbt_package"
    return installed if installed.is_dir() else Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Relation:
    database: str | None
    schema: str
    identifier: str


def _shipped_profiles(env: dict) -> Path | None:
    """None where dbt finds a profiles.yml by itself (DBT_PROFILES_DIR, the current folder,
    ~/.dbt); else the folder of the profile shipped with ml_monitor (the demo's, configured by
    ML_MONITOR_* variables), so that the CLI works on the demo without --profiles-dir."""
    if env.get("DBT_PROFILES_DIR") or os.environ.get("DBT_PROFILES_DIR"):
        return None
    if Path("profiles.yml").exists() or (Path.home() / ".dbt" / "profiles.yml").exists():
        return None
    return package_root() / "profiles"


@dataclass(frozen=True)
class _Resolved:
    """What dbt resolved for a project: connection, vars and where each table is."""

    target_name: str
    adapter_type: str
    credentials: dict
    vars: dict
    models: dict[str, Relation]  # the package's models by name
    sources: dict[str, Relation]  # the package's inputs (source 'ml_monitor') by table name


@dataclass
class Project:
    """A dbt project that installs ml_monitor, with the options dbt is run with.

    profiles_dir and target are None when not given, so that dbt picks them as it always
    does. env holds environment variables for the profile (e.g. ML_MONITOR_DUCKDB_PATH)
    that this project sets for dbt, in this process and in the dbt processes it starts.
    """

    project_dir: Path
    profiles_dir: Path | None = None
    target: str | None = None
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
    ) -> Project:
        if project_dir is None:
            from dbt.cli.resolvers import default_project_dir  # dbt's default: the nearest dbt project up from here

            project_dir = default_project_dir()
        env = dict(env or {})
        return cls(
            Path(project_dir).resolve(),
            Path(profiles_dir).resolve() if profiles_dir else _shipped_profiles(env),
            target,
            dict(cli_vars or {}),
            env,
        )

    def dbt_args(self) -> list[str]:
        """The options that select this project, profile, target and vars, for any dbt command."""
        args = ["--project-dir", str(self.project_dir)]
        if self.profiles_dir:
            args += ["--profiles-dir", str(self.profiles_dir)]
        if self.target:
            args += ["--target", self.target]
        if self.cli_vars:
            args += ["--vars", _vars_argument(self.cli_vars)]
        return args

    @contextmanager
    def _environment(self) -> Iterator[None]:
        """os.environ with this project's env, for dbt running in this process."""
        saved = {name: os.environ.get(name) for name in self.env}
        os.environ.update(self.env)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    @cached_property
    def _dbt(self) -> _Resolved:
        from dbt.cli.main import dbtRunner
        from dbt.config.runtime import RuntimeConfig
        from dbt.context.configured import generate_schema_yml_context
        from dbt.context.providers import ModelConfiguredVar
        from dbt.exceptions import UninstalledPackagesFoundError
        from dbt.flags import get_flags
        from dbt_common.exceptions import DbtBaseException

        def invoke(command: str, *options: str):
            return dbtRunner().invoke(
                [command, *self.dbt_args(), "--log-level", "none", "--no-send-anonymous-usage-stats", *options]
            )

        with self._environment():
            # JSON artifacts are left to the user's own dbt commands: writing the manifest
            # takes longer than the parse itself
            parsed = invoke("parse", "--no-write-json")
            if isinstance(parsed.exception, UninstalledPackagesFoundError):  # install them first, as `dbt deps`
                invoke("deps")
                parsed = invoke("parse", "--no-write-json")
            if not parsed.success:
                raise MonitorError(f"dbt: {dbt_error_line(parsed.exception or 'parse failed')}")
            manifest, config = parsed.result, RuntimeConfig.from_args(get_flags())
            anchor = manifest.nodes.get(f"model.{PACKAGE_NAME}.{ANCHOR_MODEL}")
            if anchor is None:
                raise MonitorError(
                    f"the dbt project {self.project_dir} does not install the {PACKAGE_NAME} package "
                    f"(add it to packages.yml and run dbt deps)"
                )
            # var() exactly as the package's models call it: --vars, then the project's vars
            # (global and package-scoped), then the package's defaults; strings rendered
            var = ModelConfiguredVar(generate_schema_yml_context(config, PACKAGE_NAME), config, anchor)
            names = set(config.cli_vars).union(
                *(project.vars.vars_for(anchor, config.credentials.type) for project in var.packages_for_node())
            )
            try:
                values = {name: var(name) for name in names}
            except DbtBaseException as error:  # a var whose Jinja does not render: dbt's message
                raise MonitorError(f"dbt: {dbt_error_line(error)}") from None
            return _Resolved(
                target_name=config.target_name,
                adapter_type=config.credentials.type,
                credentials=config.credentials.to_dict(),
                vars=values,
                models={
                    node.name: Relation(node.database, node.schema, node.alias)
                    for node in manifest.nodes.values()
                    if node.resource_type == "model" and node.package_name == PACKAGE_NAME
                },
                sources={
                    source.name: Relation(source.database, source.schema, source.identifier)
                    for source in manifest.sources.values()
                    if source.package_name == PACKAGE_NAME and source.source_name == PACKAGE_NAME
                },
            )

    # --- what dbt resolved ----------------------------------------------------------------
    @property
    def target_name(self) -> str:
        return self._dbt.target_name

    @property
    def credentials(self) -> dict:
        """The target's connection settings, as dbt's adapter holds them."""
        return self._dbt.credentials

    @property
    def adapter_type(self) -> str:
        return self._dbt.adapter_type

    def relation(self, name: str) -> Relation:
        """Where a table is: a model of the package where dbt builds it; any other table
        (those the Python steps write) beside ANCHOR_MODEL."""
        anchor = self._dbt.models[ANCHOR_MODEL]
        return self._dbt.models.get(name) or Relation(anchor.database, anchor.schema, name)

    @property
    def output_schema(self) -> str:
        """The schema the Python steps write to: the package models' schema."""
        return self.relation(ANCHOR_MODEL).schema

    @property
    def source_schema(self) -> str:
        """The schema of the serving log (source ml_monitor.predictions)."""
        return self._dbt.sources["predictions"].schema

    def var(self, name: str, default: Any = None) -> Any:
        value = self._dbt.vars.get(name)
        return default if value is None else value

    def column(self, canonical: str) -> str:
        """The user's column name for a canonical column (ml_monitor_columns mapping)."""
        return (self.var("ml_monitor_columns", {}) or {}).get(canonical, canonical)


# dbt reads --vars as YAML, which refuses these characters raw (or reads them as line
# breaks); JSON's \uXXXX escape keeps them. JSON escapes the other control characters.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")


def _vars_argument(cli_vars: dict) -> str:
    """The vars as JSON for dbt's --vars, keeping every character exactly: non-ASCII text
    stays raw (YAML mangles the surrogate pairs of json.dumps' ASCII escapes of emoji and
    other characters beyond U+FFFF), what YAML cannot take raw is escaped."""
    text = json.dumps(cli_vars, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
