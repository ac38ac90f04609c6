{#- Exclusions per model, bucket, cohort, reason and column (int_ml_monitor__data_quality) with
    the decision of ml_monitor_alert_tests (undated rows are not tested). -#}
{{ config(materialized='ml_monitor_view') }}
{{ ml_monitor.with_decision(ref('int_ml_monitor__data_quality'), 'data_quality', 'is_alert',
                            subject="i.reason || coalesce(':' || i.column_name, '')") }}
