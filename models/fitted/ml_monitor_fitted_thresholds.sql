{#- The thresholds written by `ml-monitor fit-thresholds`, or no rows before it has run
    (models then use ml_monitor_default_threshold). A view: rebuilt on every run, so it picks
    up a table the CLI created since. -#}
{{ config(materialized='ml_monitor_view') }}

{{ ml_monitor.fitted_table_or_empty('ml_monitor_thresholds',
    [('model_id', dbt.type_string()), ('predicted_class', dbt.type_string()),
     ('threshold', ml_monitor.type_double())]) }}
