{#- Measured performance against the holdout per model, bucket, cohort and metric
    (int_ml_monitor__performance_drop) with the decision of ml_monitor_alert_tests. -#}
{{ config(materialized='ml_monitor_view') }}
{{ ml_monitor.with_decision(ref('int_ml_monitor__performance_drop'), 'performance_drop', 'is_alert',
    subject='i.metric') }}
