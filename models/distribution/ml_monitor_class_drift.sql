{#- Class drift per model, bucket and cohort (int_ml_monitor__class_drift) with the drift
    decision of ml_monitor_alert_tests. -#}
{{ config(materialized='ml_monitor_view') }}
{{ ml_monitor.with_decision(ref('int_ml_monitor__class_drift'), 'class_drift', 'is_drift', subject="'class_mix'") }}
