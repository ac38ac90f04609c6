{#- Every confidence series (model, cohort, class) on every bucket of its model's spine,
    empty buckets included (n = 0, NULL mean), so that window frames of W rows are W
    calendar buckets. Grain: model_id, cohort_name, cohort_value, predicted_class, bucket_start. -#}
with series_stats as (

    select model_id, bucket_start, cohort_name, cohort_value, predicted_class,
           n, mean_confidence, m2_confidence
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class'

),

series as (

    select distinct model_id, cohort_name, cohort_value, predicted_class
    from series_stats

)

select
    spine.model_id,
    spine.bucket_start,
    series.cohort_name,
    series.cohort_value,
    series.predicted_class,
    coalesce(stats.n, 0) as n,
    stats.mean_confidence,
    coalesce(stats.m2_confidence, 0) as m2_confidence
from {{ ref('ml_monitor_bucket_spine') }} as spine
inner join series
    on series.model_id = spine.model_id
left join series_stats as stats
    on stats.model_id = spine.model_id
    and stats.bucket_start = spine.bucket_start
    and stats.cohort_name = series.cohort_name
    and stats.cohort_value = series.cohort_value
    and stats.predicted_class = series.predicted_class
