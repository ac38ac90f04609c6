{#- The estimator's checks per model and labelled bucket (int_ml_monitor__estimator_reliability)
    with the decision of ml_monitor_alert_tests. -#}
{{ config(materialized='ml_monitor_view') }}
{{ ml_monitor.with_decision(ref('int_ml_monitor__estimator_reliability'), 'estimator_unreliable', 'is_alert',
    subject="'accuracy'", cohort_name="'__all__'", cohort_value="'__all__'") }}
