{#- One row per alert: the tests of ml_monitor_alert_tests that alert (embedding drift
    among them once the projection step has run), the schema changes still in force (from
    the bucket in which they were first observed: ml_monitor_schema_changes), and the
    perturbation failures once that step has run (about the model rather than a bucket:
    undated). -#}
{%- set string = dbt.type_string() -%}
{%- set double = ml_monitor.type_double() -%}
{%- set perturbation = ml_monitor.python_output('ml_monitor_perturbation_checks') -%}

with tested as (

    select alert_type, model_id, bucket_start, cohort_name, cohort_value, subject, metric,
           value, threshold, p_value, p_value_adjusted, severity
    from {{ ref('ml_monitor_alert_tests') }}
    where is_alert

),

schema_changes as (

    -- a change in force alerts in every bucket since it was first observed, for every model
    -- that logs into the changed table
    select
        'schema_change' as alert_type,
        spine.model_id,
        spine.bucket_start,
        '__all__' as cohort_name,
        '__all__' as cohort_value,
        c.column_name as subject,
        c.status as metric,
        cast(null as {{ double }}) as value,
        cast(null as {{ double }}) as threshold,
        cast(null as {{ double }}) as p_value,
        cast(null as {{ double }}) as p_value_adjusted,
        case when c.status = 'added' then 'warning' else 'critical' end as severity
    from {{ ref('ml_monitor_schema_changes') }} as c
    inner join {{ ref('ml_monitor_schema_diff') }} as now_diff
        on now_diff.column_name = c.column_name and now_diff.status = c.status
    inner join {{ ref('ml_monitor_bucket_spine') }} as spine
        on spine.bucket_start >= c.first_observed_bucket

),

{%- if perturbation is not none %}

perturbation as (

    select
        'perturbation_failure' as alert_type,
        model_id,
        cast(null as {{ dbt.type_timestamp() }}) as bucket_start,
        '__all__' as cohort_name,
        '__all__' as cohort_value,
        perturbation || ':' || predicted_class as subject,
        'flip_rate' as metric,
        flip_rate as value,
        tolerance as threshold,
        cast(null as {{ double }}) as p_value,
        cast(null as {{ double }}) as p_value_adjusted,
        {{ ml_monitor.severity('flip_rate', 'tolerance') }} as severity
    from {{ perturbation }}
    where is_failure

),
{%- endif %}

alerts as (

    select * from tested
    union all
    select * from schema_changes
    {%- if perturbation is not none %}
    union all
    select * from perturbation
    {%- endif %}

)

select
    alert_type,
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    cast(subject as {{ string }}) as subject,
    cast(metric as {{ string }}) as metric,
    cast(value as {{ double }}) as value,
    cast(threshold as {{ double }}) as threshold,
    cast(p_value as {{ double }}) as p_value,
    cast(p_value_adjusted as {{ double }}) as p_value_adjusted,
    severity
from alerts
