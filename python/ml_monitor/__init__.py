"""ml_monitor: SQL-first monitoring of classification models (dbt package + Python steps)."""

__version__ = "0.1.0"
