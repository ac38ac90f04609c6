{#- Label shift per model, bucket and cohort (int_ml_monitor__label_shift) with the decision
    of ml_monitor_alert_tests. -#}
{{ config(materialized='ml_monitor_view') }}
{{ ml_monitor.with_decision(ref('int_ml_monitor__label_shift'), 'label_shift', 'is_drift', subject="'label_mix'") }}
