{#- Calibration on labelled serving rows against the holdout per model, scope, bucket and
    predicted class (int_ml_monitor__calibration_drift) with the decision of
    ml_monitor_alert_tests; week rows are never tested (is_calibration_drift false). -#}
{{ config(materialized='ml_monitor_view') }}
{{ ml_monitor.with_decision(ref('int_ml_monitor__calibration_drift'), 'calibration_drift', 'is_calibration_drift',
    subject='i.predicted_class', cohort_name="case when i.scope = 'bucket' then '__all__' end",
        cohort_value="'__all__'") }}
