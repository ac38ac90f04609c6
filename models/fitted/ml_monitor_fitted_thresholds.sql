{#- The thresholds written by `ml-monitor fit-thresholds`, or no rows before it has run
    (models then use ml_monitor_default_threshold). A view compiled on every run: its SQL, and
    so the view, changes when the CLI has created the table since. -#}
{{ config(materialized='ml_monitor_view') }}

{{ ml_monitor.fitted_table_or_empty('ml_monitor_thresholds',
    [('model_id', dbt.type_string()), ('predicted_class', dbt.type_string()),
     ('threshold', ml_monitor.type_double())]) }}
