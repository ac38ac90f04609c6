{#- Invariant: every alert comes from a row of its source — a test of ml_monitor_alert_tests
    that alerts, a schema change in force since its bucket, or a failed perturbation check
    (once that step has run). Returns the alerts without one. Left joins rather than
    correlated subqueries, which Spark limits. -#}
{%- set perturbation = ml_monitor.python_output('ml_monitor_perturbation_checks') -%}

with
    tested as (
        select distinct alert_type, model_id, bucket_start, cohort_name, cohort_value, subject, metric
        from {{ ref('ml_monitor_alert_tests') }}
        where is_alert
    ),

    schema_changes as (
        select distinct 'schema_change' as alert_type, column_name, status, first_observed_bucket
        from {{ ref('ml_monitor_schema_changes') }}
    ),

    perturbation_failures as (
        {%- if perturbation is not none %}
            select distinct
                'perturbation_failure' as alert_type, model_id, perturbation || ':' || predicted_class as subject
            from {{ perturbation }}
            where is_failure
        {%- else %}
            -- the step has not run: no such alert can have a source
            select alert_type, model_id, subject from tested where 1 = 0
        {%- endif %}
    )

select a.*
from {{ ref('ml_monitor_alerts') }} as a
left join
    tested as t
    on t.alert_type = a.alert_type
    and t.model_id = a.model_id
    and t.bucket_start = a.bucket_start
    and t.cohort_name = a.cohort_name
    and t.cohort_value = a.cohort_value
    and t.subject = a.subject
    and t.metric = a.metric
left join
    schema_changes as c
    on c.alert_type = a.alert_type
    and c.column_name = a.subject
    and c.status = a.metric
    and c.first_observed_bucket <= a.bucket_start
left join
    perturbation_failures as p on p.alert_type = a.alert_type and p.model_id = a.model_id and p.subject = a.subject
where t.alert_type is null and c.alert_type is null and p.alert_type is null
