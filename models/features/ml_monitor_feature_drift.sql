{#- Feature drift per model, bucket, cohort and feature (int_ml_monitor__feature_drift) with
    the drift decision of ml_monitor_alert_tests. -#}
{{ config(materialized='ml_monitor_view') }}
{{ ml_monitor.with_decision(ref('int_ml_monitor__feature_drift'), 'feature_drift', 'is_drift', subject='i.feature') }}
