{#- Confidence per model, bucket, cohort and class (int_ml_monitor__confidence) with the
    anomaly decision of ml_monitor_alert_tests. -#}
{{ config(materialized='ml_monitor_view') }}
{{ ml_monitor.with_decision(ref('int_ml_monitor__confidence'), 'confidence_anomaly', 'is_anomaly',
    subject='i.predicted_class') }}
