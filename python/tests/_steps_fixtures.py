"""Shared data for the tests of the Python steps (projection, explain, perturb).

`demo_data` is the demo's ticket router and data at a small size, generated once per test
process. `staging_project` lays a DuckDB file out the way `dbt build` leaves it for the
Python steps (the staging views as tables in the output schema) and returns a Project whose
profile points at it, so the steps' `run()` is tested on a real warehouse without dbt.
"""

from __future__ import annotations

import functools

import duckdb
import yaml
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from _tiny_project import dbt_target
from ml_monitor import demo
from ml_monitor.config import Project, package_root
from ml_monitor.names import DUCKDB_OUTPUT_SCHEMA as SCHEMA

EXCLUDED_IDS = ("p-000000001", "p-000000002")  # staged with an exclusion reason: never sampled
TEXT_VARS = {"ml_monitor_text_column": "ticket_text"}
FEATURES = ["order_value", "previous_tickets", "account_age_days", "customer_tier", "product"]
FEATURE_VARS = {"ml_monitor_features": FEATURES}


@functools.cache
def demo_data() -> demo.DemoData:
    """21 days of 60 predictions: before every planted event, so serving is undrifted."""
    return demo.generate(predictions_per_day=60, days=21)


@functools.cache
def tabular_model() -> Pipeline:
    """A router on the demo's features (which carry no class signal): a tabular model to run."""
    train = demo_data().reference.query("split == 'train'")
    encode = ColumnTransformer([("num", StandardScaler(), FEATURES[:3]), ("cat", OneHotEncoder(), FEATURES[3:])])
    return make_pipeline(encode, LogisticRegression(max_iter=500)).fit(train[FEATURES], train["label"])


def holdout(data: demo.DemoData, per_class: int, skip: int = 0):
    """Up to per_class validation rows of each label, after skipping the first `skip`."""
    validation = data.reference[data.reference["split"] == "validation"]
    position = validation.groupby("label").cumcount()
    return validation[(position >= skip) & (position < skip + per_class)]


def staging_project(data: demo.DemoData, **cli_vars) -> Project:
    """A DuckDB file with the demo's staging tables, and a Project using it. The file is
    written afresh at one path for each set of vars in this process (tests run one at a
    time in it), so that dbt parses the package in full once per set, not once per test."""
    folder = dbt_target(package_root(), sorted(cli_vars.items()))
    folder.mkdir(exist_ok=True)
    db_path = folder / "warehouse.duckdb"
    db_path.unlink(missing_ok=True)
    demo.write_duckdb(data, db_path)
    with duckdb.connect(str(db_path)) as con:
        con.execute(f"create schema {SCHEMA}")
        con.execute(f"""
            create table {SCHEMA}.stg_ml_monitor__predictions as
            select prediction_id, model_id, predicted_at, date_trunc('day', predicted_at) as bucket_start,
                   predicted_class, confidence, label,
                   case when prediction_id in {EXCLUDED_IDS} then 'confidence_null' end as exclusion_reason,
                   channel, country, order_value, previous_tickets, account_age_days, customer_tier, product,
                   ticket_text
            from main.predictions""")
        con.execute(f"""
            create table {SCHEMA}.stg_ml_monitor__reference as
            select prediction_id, model_id, split, label, predicted_class, confidence,
                   channel, country, order_value, previous_tickets, account_age_days, customer_tier, product,
                   ticket_text
            from main.reference""")
    profiles = {
        "ml_monitor": {
            "target": "duckdb",
            "outputs": {"duckdb": {"type": "duckdb", "path": str(db_path), "schema": "main", "threads": 1}},
        }
    }
    (folder / "profiles.yml").write_text(yaml.safe_dump(profiles))
    return Project.load(package_root(), folder, "duckdb", cli_vars, {"DBT_TARGET_PATH": str(folder / "target")})
