"""The names the Python steps, the CLI, the bench and the tests share: one home for each.

Each restates a fact whose home is in the dbt package, named beside it; nothing else in
Python spells these names out.
"""

# Values the output tables give a meaning of their own (macros/config/reserved_values.sql)
ALL = "__all__"  # the rows of every class, cohort value, subject or model at once
NULL = "__null__"  # a NULL cohort or categorical value

# dbt places the package's models in the target's schema plus this suffix (+schema in
# dbt_project.yml, through dbt's generate_schema_name); the Python steps write beside them
OUTPUT_SCHEMA_SUFFIX = "_ml_monitor"
# the output schema of a DuckDB target whose schema is main: the demo's, the tests', the bench's
DUCKDB_OUTPUT_SCHEMA = "main" + OUTPUT_SCHEMA_SUFFIX

# environment variables the shipped profile (profiles/profiles.yml) reads
DUCKDB_PATH_VARIABLE = "ML_MONITOR_DUCKDB_PATH"
SPARK_DIR_VARIABLE = "ML_MONITOR_SPARK_DIR"

# dbt models the Python steps read
PREDICTIONS = "stg_ml_monitor__predictions"
REFERENCE = "stg_ml_monitor__reference"  # training and holdout rows; thresholds are fitted on the holdout
ALERTS = "ml_monitor_alerts"
ALERT_EPISODES = "ml_monitor_alert_episodes"
INCIDENTS = "ml_monitor_incidents"
LABEL_QUEUE = "ml_monitor_label_queue"

# tables the Python steps write (beside ALERTS; dbt models read them through ml_monitor.python_output)
THRESHOLDS = "ml_monitor_thresholds"
CALIBRATION = "ml_monitor_calibration"
EMBEDDING_PROJECTION = "ml_monitor_embedding_projection"
EMBEDDING_DRIFT = "ml_monitor_embedding_drift"
MULTIVARIATE_DRIFT = "ml_monitor_multivariate_drift"
EXPLANATIONS = "ml_monitor_explanations"
CLASS_EXPLANATIONS = "ml_monitor_class_explanations"
PERTURBATION_CHECKS = "ml_monitor_perturbation_checks"
NOTIFICATIONS = "ml_monitor_notifications"
ACKNOWLEDGEMENTS = "ml_monitor_acknowledgements"
