{#- Rolling confidence over the last W calendar buckets (current included), for each W in
    ml_monitor_rolling_windows. Values pool every row of the window: the mean and sample
    variance of all individual confidences, combined exactly from per-bucket counts, means
    and sums of squared deviations. -#}
with series_buckets as (

    select model_id, bucket_start, cohort_name, cohort_value, predicted_class,
           n, mean_confidence, m2_confidence
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class'

),

windows as (

    {%- for window in var('ml_monitor_rolling_windows') %}
    select {{ window }} as window_buckets {{ "union all" if not loop.last }}
    {%- endfor %}

),

series as (

    select distinct model_id, cohort_name, cohort_value, predicted_class
    from series_buckets

),

window_members as (

    select
        spine.model_id,
        spine.bucket_start,
        series.cohort_name,
        series.cohort_value,
        series.predicted_class,
        windows.window_buckets,
        member.n,
        member.mean_confidence,
        member.m2_confidence
    from {{ ref('ml_monitor_bucket_spine') }} as spine
    inner join series
        on series.model_id = spine.model_id
    cross join windows
    inner join series_buckets as member
        on member.model_id = series.model_id
        and member.cohort_name = series.cohort_name
        and member.cohort_value = series.cohort_value
        and member.predicted_class = series.predicted_class
        and member.bucket_start <= spine.bucket_start
        and member.bucket_start > {{ ml_monitor.shift_buckets('-windows.window_buckets', 'spine.bucket_start') }}

),

window_totals as (

    select
        model_id, bucket_start, cohort_name, cohort_value, predicted_class, window_buckets,
        count(*) as buckets_with_data,
        sum(n) as rolling_n,
        sum(n * mean_confidence) / sum(n) as rolling_mean
    from window_members
    group by 1, 2, 3, 4, 5, 6

),

pooled as (

    select
        t.model_id, t.bucket_start, t.cohort_name, t.cohort_value, t.predicted_class, t.window_buckets,
        t.buckets_with_data,
        t.rolling_n,
        t.rolling_mean,
        sum(m.m2_confidence + m.n * (m.mean_confidence - t.rolling_mean) * (m.mean_confidence - t.rolling_mean)) as rolling_m2
    from window_totals as t
    inner join window_members as m
        on m.model_id = t.model_id
        and m.bucket_start = t.bucket_start
        and m.cohort_name = t.cohort_name
        and m.cohort_value = t.cohort_value
        and m.predicted_class = t.predicted_class
        and m.window_buckets = t.window_buckets
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9

)

select
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    predicted_class,
    window_buckets,
    cast(buckets_with_data as integer) as buckets_with_data,
    cast(rolling_n as {{ dbt.type_bigint() }}) as rolling_n,
    rolling_mean,
    case when rolling_n > 1 then rolling_m2 / (rolling_n - 1) end as rolling_variance,
    case when rolling_n > 1 then sqrt(rolling_m2 / (rolling_n - 1)) end as rolling_stddev
from pooled
