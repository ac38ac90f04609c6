{#- Estimated accuracy per model, bucket and cohort (int_ml_monitor__estimated_performance)
    with the decision of ml_monitor_alert_tests. -#}
{{ config(materialized='ml_monitor_view') }}
{{ ml_monitor.with_decision(ref('int_ml_monitor__estimated_performance'), 'estimated_performance_drop', 'is_alert',
    subject="'__all__'") }}
