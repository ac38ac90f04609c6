{#- Null fractions per model, column and bucket (int_ml_monitor__null_fractions) with the
    decision of ml_monitor_alert_tests (overall rows are not tested). -#}
{{ config(materialized='view') }}
{{ ml_monitor.with_decision(ref('int_ml_monitor__null_fractions'), 'null_fraction', 'is_alert', subject='i.column_name',
                            cohort_name="'__all__'", cohort_value="'__all__'") }}
