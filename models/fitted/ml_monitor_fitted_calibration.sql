{#- The isotonic calibration written by `ml-monitor fit-thresholds` as score intervals
    [score_lower, score_upper) (the last is the point [1, 1]), or no rows before it has run. -#}
{{ config(materialized='ml_monitor_view') }}

{{ ml_monitor.fitted_table_or_empty('ml_monitor_calibration',
    [('model_id', dbt.type_string()), ('predicted_class', dbt.type_string()), ('score_lower', ml_monitor.type_double()),
     ('score_upper', ml_monitor.type_double()), ('calibrated_probability', ml_monitor.type_double()),
     ('n', dbt.type_bigint())]) }}
