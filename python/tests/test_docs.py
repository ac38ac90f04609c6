"""The README's BI queries run as written on the demo, and `dbt docs generate` works."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from ml_monitor import runner
from ml_monitor.config import package_root

README = (package_root() / "README.md").read_text()
BI_SECTION = README[README.index("## Dashboards in a BI tool") :]
QUERIES = re.findall(r"```sql\n(.*?)```", BI_SECTION, re.S)


def test_the_bi_section_has_queries():
    assert len(QUERIES) >= 6


@pytest.mark.slow
@pytest.mark.parametrize("query", QUERIES, ids=[f"query{i}" for i in range(len(QUERIES))])
def test_readme_query_runs_on_the_demo(fitted_run, query):
    with duckdb.connect(str(fitted_run.db_path), read_only=True) as con:
        rows = con.execute(query).fetchall()
    assert rows


@pytest.mark.slow
def test_dbt_docs_generate(demo_run):
    runner.dbt(demo_run.project, ["docs", "generate"])
    assert (Path(demo_run.project.env["DBT_TARGET_PATH"]) / "catalog.json").exists()
