{#- One row per alert from every monitor, with the value and threshold that fired it.
    severity is 'critical' when the value is at least twice past its threshold (for schema
    changes: a dropped column or a changed type), else 'warning'. Alerts of the Python steps
    (embedding drift, perturbation failures) appear once their tables exist. -#}
{%- set string = dbt.type_string() -%}
{%- set double = ml_monitor.type_double() -%}
{%- set z = var('ml_monitor_anomaly_z') -%}
{%- set psi = var('ml_monitor_psi_threshold') -%}
{%- set js = var('ml_monitor_js_threshold') -%}
{%- set tolerance = var('ml_monitor_null_fraction_tolerance') -%}
{%- set embedding_drift = ml_monitor.python_output('ml_monitor_embedding_drift') -%}
{%- set perturbation = ml_monitor.python_output('ml_monitor_perturbation_checks') -%}

with alerts as (

    select 'confidence_anomaly' as alert_type, model_id, bucket_start, cohort_name, cohort_value,
           predicted_class as subject, 'z_score' as metric, z_score as value,
           cast({{ z }} as {{ double }}) as threshold,
           case when abs(z_score) >= 2 * {{ z }} then 'critical' else 'warning' end as severity
    from {{ ref('ml_monitor_confidence') }}
    where is_anomaly

    union all

    select 'class_drift', model_id, bucket_start, cohort_name, cohort_value,
           'class_mix',
           case when js_distance > {{ js }} then 'js_distance' else 'psi' end,
           case when js_distance > {{ js }} then js_distance else psi end,
           case when js_distance > {{ js }} then {{ js }} else {{ psi }} end,
           case when js_distance >= 2 * {{ js }} or psi >= 2 * {{ psi }} then 'critical' else 'warning' end
    from {{ ref('ml_monitor_class_drift') }}
    where is_drift

    union all

    select 'schema_change', '__all__', cast(null as {{ dbt.type_timestamp() }}), '__all__', '__all__',
           column_name, status, cast(null as {{ double }}), cast(null as {{ double }}),
           case when status = 'added' then 'warning' else 'critical' end
    from {{ ref('ml_monitor_schema_diff') }}
    where status <> 'unchanged'

    union all

    select 'null_fraction', model_id, bucket_start, '__all__', '__all__',
           column_name, 'null_fraction_delta', delta, {{ tolerance }},
           case when abs(delta) >= 2 * {{ tolerance }} then 'critical' else 'warning' end
    from {{ ref('ml_monitor_null_fractions') }}
    where scope = 'bucket' and is_alert

    union all

    select 'feature_drift', model_id, bucket_start, '__all__', '__all__',
           feature,
           case when js_distance > {{ js }} then 'js_distance' else 'psi' end,
           case when js_distance > {{ js }} then js_distance else psi end,
           case when js_distance > {{ js }} then {{ js }} else {{ psi }} end,
           case when js_distance >= 2 * {{ js }} or psi >= 2 * {{ psi }} then 'critical' else 'warning' end
    from {{ ref('ml_monitor_feature_drift') }}
    where is_drift

    union all

    select 'estimated_performance_drop', model_id, bucket_start, cohort_name, cohort_value,
           '__all__', 'estimated_accuracy', estimated_accuracy, reference_lower,
           case when estimated_accuracy < reference_lower - (reference_accuracy - reference_lower) then 'critical' else 'warning' end
    from {{ ref('ml_monitor_estimated_performance') }}
    where is_alert

    union all

    select 'data_quality', model_id, bucket_start, '__all__', '__all__',
           reason, 'excluded_share', excluded_share, {{ var('ml_monitor_exclusion_tolerance') }},
           case when excluded_share >= 2 * {{ var('ml_monitor_exclusion_tolerance') }} then 'critical' else 'warning' end
    from {{ ref('ml_monitor_data_quality') }}
    where is_alert

    {%- if embedding_drift is not none %}

    union all

    select 'embedding_drift', model_id, cast(window_start as {{ dbt.type_timestamp() }}), '__all__', '__all__',
           cast(class as {{ string }}), 'domain_auc', domain_auc, cast(threshold as {{ double }}),
           case when domain_auc >= 0.75 then 'critical' else 'warning' end
    from {{ embedding_drift }}
    where is_drift
    {%- endif %}

    {%- if perturbation is not none %}

    union all

    select 'perturbation_failure', model_id, cast(null as {{ dbt.type_timestamp() }}), '__all__', '__all__',
           perturbation || ':' || predicted_class, 'flip_rate', flip_rate, tolerance,
           case when flip_rate >= 2 * tolerance then 'critical' else 'warning' end
    from {{ perturbation }}
    where is_failure
    {%- endif %}

)

select
    alert_type,
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    cast(subject as {{ string }}) as subject,
    metric,
    cast(value as {{ double }}) as value,
    cast(threshold as {{ double }}) as threshold,
    severity
from alerts
