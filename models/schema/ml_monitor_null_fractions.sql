{#- Null fractions per model, column, bucket and cohort (int_ml_monitor__null_fractions) with
    the decision of ml_monitor_alert_tests (overall rows are not tested). -#}
{{ config(materialized='ml_monitor_view') }}
{{ ml_monitor.with_decision(ref('int_ml_monitor__null_fractions'), 'null_fraction', 'is_alert',
    subject='i.column_name') }}
