{#- Invariant: every alert comes from a row of its source — a test of ml_monitor_alert_tests
    that alerts, a schema change in force since its bucket, or a failed perturbation check.
    Returns the alerts without one. -#}
{%- set perturbation = ml_monitor.python_output('ml_monitor_perturbation_checks') -%}

select a.*
from {{ ref('ml_monitor_alerts') }} as a
where
    not exists (
        select 1
        from {{ ref('ml_monitor_alert_tests') }} as t
        where
            t.is_alert
            and t.alert_type = a.alert_type
            and t.model_id = a.model_id
            and t.bucket_start = a.bucket_start
            and t.cohort_name = a.cohort_name
            and t.cohort_value = a.cohort_value
            and t.subject = a.subject
            and t.metric = a.metric
    )
    and not exists (
        select 1
        from {{ ref('ml_monitor_schema_changes') }} as c
        where
            a.alert_type = 'schema_change'
            and c.column_name = a.subject
            and c.status = a.metric
            and c.first_observed_bucket <= a.bucket_start
    )
    {%- if perturbation is not none %}
        and not exists (
            select 1
            from {{ perturbation }} as p
            where
                a.alert_type = 'perturbation_failure'
                and p.is_failure
                and p.model_id = a.model_id
                and p.perturbation || ':' || p.predicted_class = a.subject
        )
    {%- endif %}
