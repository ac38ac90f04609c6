{#- One row per incident: the episodes that began together (int_ml_monitor__episode_incidents),
    with when it began and last alerted, whether any of its series still alerts (status
    'open', else 'resolved'; standing incidents about the model itself are open), the worst
    severity, what and where, and a one-line title a person can read. -#}
{%- set string = dbt.type_string() -%}
{#- per alert type: its place in a title, how its finding reads, and what its locations are -#}
{%- set kinds = {
    'confidence_anomaly':         (1, 'confidence', 'cohort', 'series'),
    'performance_drop':           (2, 'measured', 'cohort', 'cohorts'),
    'estimated_performance_drop': (3, 'estimated accuracy below holdout', 'cohort', 'cohorts'),
    'class_drift':                (4, 'class mix drift', 'cohort', 'cohorts'),
    'label_shift':                (5, 'label mix shift', 'cohort', 'cohorts'),
    'feature_drift':              (6, 'drift', 'subject', 'features'),
    'embedding_drift':            (7, 'embedding drift', 'subject', 'classes'),
    'null_fraction':              (8, 'null fraction', 'subject', 'columns'),
    'schema_change':              (9, 'schema change', 'subject', 'columns'),
    'data_quality':               (10, 'excluded rows', 'subject', 'reasons'),
    'perturbation_failure':       (11, 'perturbation failures', 'subject', 'checks'),
    'volume_drop':                (12, 'volume drop', 'cohort', 'cohorts'),
    'volume_spike':               (13, 'volume spike', 'cohort', 'cohorts'),
    'cohort_volume_share':        (14, 'volume share change', 'cohort', 'cohorts'),
    'stale_predictions':          (15, 'no new predictions', 'cohort', 'cohorts'),
    'stale_labels':               (16, 'no new labels', 'cohort', 'cohorts'),
    'label_coverage_drop':        (17, 'label coverage drop', 'cohort', 'cohorts'),
    'estimator_unreliable':       (18, 'performance estimate unreliable', 'subject', 'metrics'),
    'calibration_drift':          (19, 'calibration worse than holdout', 'subject', 'classes'),
    'multivariate_drift':         (20, 'joint drift of the features', 'cohort', 'cohorts'),
} -%}

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
            case when coalesce(max(peak_value), 0) >= -coalesce(min(peak_value), 0) then max(peak_value) else min(peak_value) end
        ) as headline_value
    from located
    group by incident_id, alert_type

),

phrased as (

    select
        incident_id,
        alert_type,
        case alert_type
            {%- for alert_type, (rank, words, location, unit) in kinds.items() %}
            when {{ ml_monitor.string_literal(alert_type) }} then {{ rank }}
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
                'measured ' || case when n_subjects > 1 then 'accuracy and macro F1' else replace(first_subject, '_', ' ') end
                || ' down ' || {{ ml_monitor.format_decimal('abs(headline_value)') }}
                || case when n_cohorts > 1 then ' in ' || cast(n_cohorts as {{ string }}) || ' cohorts'
                        when first_cohort <> 'all' then ' in ' || first_cohort else '' end
            {%- for alert_type, (rank, words, location, unit) in kinds.items() if alert_type not in ['confidence_anomaly', 'performance_drop'] %}
            when alert_type = {{ ml_monitor.string_literal(alert_type) }} then
                {%- if location == 'cohort' %}
                {{ ml_monitor.string_literal(words) }}
                || case when n_cohorts > 1 then ' in ' || cast(n_cohorts as {{ string }}) || ' {{ unit }}'
                        when first_cohort <> 'all' then ' in ' || first_cohort else '' end
                {%- else %}
                case when n_subjects > 1 then {{ ml_monitor.string_literal(words ~ ' in ') }} || cast(n_subjects as {{ string }}) || ' {{ unit }}'
                     else {{ ml_monitor.string_literal(words ~ ': ') }} || first_subject end
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
