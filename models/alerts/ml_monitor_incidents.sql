{#- One row per incident: the episodes that began together (int_ml_monitor__episode_incidents),
    with when it began and last alerted, whether any of its series still alerts (status
    'open', else 'resolved'; standing incidents about the model itself are open), the worst
    severity, what and where, and a one-line title a person can read. -#}
{%- set string = dbt.type_string() -%}
{#- per alert type (macro ml_monitor.alert_types): its place in a title, how its finding reads,
    and what its locations are -#}
{%- set kinds = ml_monitor.alert_types() -%}

with episodes as (

    select * from {{ ref('ml_monitor_alert_episodes') }}

),

located as (

    select
        *,
        case when cohort_name = '__all__' then 'all' else cohort_name || '=' || cohort_value end as cohort
    from episodes

),

per_type as (

    select
        incident_id,
        alert_type,
        count(distinct cohort) as n_cohorts,
        count(distinct subject) as n_subjects,
        min(cohort) as first_cohort,
        min(subject) as first_subject,
        -- the headline move: the whole population's when it alerted, else the largest
        coalesce(
            max(case when cohort = 'all' and subject in ('__all__', 'accuracy') then peak_value end),
            case when coalesce(max(peak_value), 0) >= -coalesce(min(peak_value), 0)
                 then max(peak_value) else min(peak_value) end
        ) as headline_value
    from located
    group by incident_id, alert_type

),

phrased as (

    select
        incident_id,
        alert_type,
        case alert_type
            {%- for kind in kinds %}
            when {{ ml_monitor.string_literal(kind.type) }} then {{ loop.index }}
            {%- endfor %}
            else 99
        end as type_rank,
        case
            when alert_type = 'confidence_anomaly' then
                'confidence ' || case when headline_value < 0 then 'down ' else 'up ' end
                || {{ ml_monitor.format_decimal('abs(headline_value)') }}
                || case when n_cohorts > 1 then ' in ' || cast(n_cohorts as {{ string }}) || ' cohorts'
                        when first_cohort <> 'all' then ' in ' || first_cohort else '' end
            when alert_type = 'performance_drop' then
                'measured '
                    || case when n_subjects > 1 then 'accuracy and macro F1' else replace(first_subject, '_', ' ') end
                || ' down ' || {{ ml_monitor.format_decimal('abs(headline_value)') }}
                || case when n_cohorts > 1 then ' in ' || cast(n_cohorts as {{ string }}) || ' cohorts'
                        when first_cohort <> 'all' then ' in ' || first_cohort else '' end
            {%- for kind in kinds if kind.type not in ['confidence_anomaly', 'performance_drop'] %}
            when alert_type = {{ ml_monitor.string_literal(kind.type) }} then
                {%- if kind.location == 'cohort' %}
                {{ ml_monitor.string_literal(kind.phrase) }}
                || case when n_cohorts > 1 then ' in ' || cast(n_cohorts as {{ string }}) || ' {{ kind.unit }}'
                        when first_cohort <> 'all' then ' in ' || first_cohort else '' end
                {%- else %}
                case when n_subjects > 1
                     then {{ ml_monitor.string_literal(kind.phrase ~ ' in ') }} || cast(n_subjects as {{ string }})
                          || ' {{ kind.unit }}'
                     else {{ ml_monitor.string_literal(kind.phrase ~ ': ') }} || first_subject end
                -- found in one cohort only (per-cohort feature drift, null fractions)
                || case when n_cohorts = 1 and first_cohort <> 'all' then ' in ' || first_cohort else '' end
                {%- endif %}
            {%- endfor %}
            else alert_type
        end as phrase
    from per_type

),

titles as (

    select incident_id, {{ ml_monitor.ordered_list('phrase', 'type_rank') }} as findings,
           {{ ml_monitor.ordered_list('alert_type', 'alert_type') }} as alert_types
    from phrased
    group by incident_id

),

cohort_lists as (

    select incident_id, {{ ml_monitor.ordered_list('cohort', 'cohort') }} as cohorts
    from (select distinct incident_id, cohort from located) as distinct_cohorts
    group by incident_id

),

subject_lists as (

    select incident_id, {{ ml_monitor.ordered_list('subject', 'subject') }} as subjects
    from (select distinct incident_id, subject from located) as distinct_subjects
    group by incident_id

),

incidents as (

    select
        incident_id,
        model_id,
        min(first_bucket) as onset,
        max(last_bucket) as last_bucket,
        max(case when is_open then 1 else 0 end) as any_open,
        max(case when first_bucket is null then 1 else 0 end) as standing,
        max(case when peak_severity = 'critical' then 1 else 0 end) as any_critical,
        count(*) as n_episodes,
        sum(buckets_alerting) as n_alerts,
        count(distinct cohort) as n_cohorts,
        count(distinct subject) as n_subjects
    from located
    group by incident_id, model_id

)

select
    i.incident_id,
    i.model_id,
    i.onset,
    i.last_bucket,
    case when i.any_open = 1 then 'open' else 'resolved' end as status,
    i.standing = 1 as is_standing,
    case when i.any_critical = 1 then 'critical' else 'warning' end as severity,
    t.alert_types,
    cast(i.n_episodes as integer) as n_episodes,
    cast(i.n_alerts as integer) as n_alerts,
    cast(i.n_cohorts as integer) as n_cohorts,
    cast(i.n_subjects as integer) as n_subjects,
    c.cohorts,
    s.subjects,
    coalesce(cast(cast(i.onset as date) as {{ string }}), 'standing') || ': ' || t.findings as title
from incidents as i
inner join titles as t on t.incident_id = i.incident_id
inner join cohort_lists as c on c.incident_id = i.incident_id
inner join subject_lists as s on s.incident_id = i.incident_id
