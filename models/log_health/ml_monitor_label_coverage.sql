{#- Label coverage per model, bucket and cohort (int_ml_monitor__label_coverage) with the
    label_coverage_drop decision of ml_monitor_alert_tests. -#}
{{ config(materialized='ml_monitor_view') }}
{{ ml_monitor.with_decision(ref('int_ml_monitor__label_coverage'), 'label_coverage_drop', 'is_alert',
    subject="'labels'") }}
