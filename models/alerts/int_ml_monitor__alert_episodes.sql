{#- Runs of consecutive alerting buckets of one series (model, alert type, cohort, subject),
    quiet gaps of up to ml_monitor_episode_gap_buckets merged, one row each. Buckets are
    counted on the model's bucket spine, so an empty bucket is a bucket. is_open when the
    series alerted within the gap of the model's latest bucket. Undated alerts
    (perturbation failures) form one standing episode per series. -#}
{%- set gap = ml_monitor.setting('ml_monitor_episode_gap_buckets') -%}
{%- set series = 'model_id, alert_type, cohort_name, cohort_value, subject' -%}

with spine as (

    select
        model_id,
        bucket_start,
        row_number() over (partition by model_id order by bucket_start) as bucket_index,
        count(*) over (partition by model_id) as last_index
    from {{ ref('ml_monitor_bucket_spine') }}

),

series_buckets as (

    -- one row per series and bucket; its strongest alert when several metrics fired
    select
        a.*,
        s.bucket_index,
        s.last_index,
        row_number() over (
            partition by a.model_id, a.alert_type, a.cohort_name, a.cohort_value, a.subject, a.bucket_start
            order by case when a.severity = 'critical' then 0 else 1 end, abs(a.value) desc, a.metric
        ) as strength_rank
    from {{ ref('ml_monitor_alerts') }} as a
    left join spine as s
        on s.model_id = a.model_id and s.bucket_start = a.bucket_start

),

flagged as (

    select
        *,
        case
            when bucket_index - lag(bucket_index) over (partition by {{ series }} order by bucket_index)
                 <= {{ gap }} + 1
            then 0 else 1
        end as starts_episode
    from series_buckets
    where strength_rank = 1

),

numbered as (

    select
        *,
        sum(starts_episode) over (partition by {{ series }} order by bucket_index
                                  rows between unbounded preceding and current row) as episode_number
    from flagged

),

peaks as (

    select
        *,
        row_number() over (
            partition by {{ series }}, episode_number
            order by case when severity = 'critical' then 0 else 1 end,
                     abs(value) desc, bucket_index desc
        ) as peak_rank
    from numbered

),

episodes as (

    select
        model_id, alert_type, cohort_name, cohort_value, subject, episode_number,
        min(bucket_start) as first_bucket,
        max(bucket_start) as last_bucket,
        min(bucket_index) as first_index,
        max(bucket_index) as last_index,
        max(last_index) as model_last_index,
        count(*) as buckets_alerting,
        max(case when peak_rank = 1 then severity end) as peak_severity,
        max(case when peak_rank = 1 then metric end) as peak_metric,
        max(case when peak_rank = 1 then value end) as peak_value,
        max(case when peak_rank = 1 then threshold end) as peak_threshold,
        max(case when peak_rank = 1 then p_value_adjusted end) as peak_p_value_adjusted
    from peaks
    group by model_id, alert_type, cohort_name, cohort_value, subject, episode_number

)

select
    {{ dbt.hash("model_id || '|' || alert_type || '|' || cohort_name || '|' || cohort_value || '|' || subject"
                ~ " || '|' || coalesce(cast(first_bucket as " ~ dbt.type_string() ~ "), 'standing')") }} as episode_id,
    model_id,
    alert_type,
    cohort_name,
    cohort_value,
    subject,
    first_bucket,
    last_bucket,
    cast(first_index as integer) as first_index,
    cast(last_index as integer) as last_index,
    cast(buckets_alerting as integer) as buckets_alerting,
    peak_severity,
    peak_metric,
    peak_value,
    peak_threshold,
    peak_p_value_adjusted,
    coalesce(last_index >= model_last_index - {{ gap }}, true) as is_open
from episodes
