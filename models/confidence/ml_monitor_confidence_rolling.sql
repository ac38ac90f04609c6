{#- Rolling confidence over the last W calendar buckets (current included), for each W in
    ml_monitor_rolling_windows. Values pool every row of the window: the mean and sample
    variance of all individual confidences, combined exactly from per-bucket counts, means
    and sums of squared deviations. Sums are taken around a per-series shift c (the mean of
    its bucket means), which keeps the pooled formula free of cancellation:
      mean = c + Σ n_i (m_i − c) / N,   M2 = Σ [M2_i + n_i (m_i − c)²] − (Σ n_i (m_i − c))² / N -#}
with series as (

    select
        *,
        avg(mean_confidence) over (partition by model_id, cohort_name, cohort_value, predicted_class) as shift
    from {{ ref('ml_monitor_series_buckets') }}

),

shifted as (

    select
        *,
        case when n > 0 then n * (mean_confidence - shift) else 0 end as shifted_sum,
        case when n > 0
            then m2_confidence + n * (mean_confidence - shift) * (mean_confidence - shift) else 0 end as shifted_m2
    from series

),

windows as (

    {%- for window in ml_monitor.setting('ml_monitor_rolling_windows') %}
    select
        model_id, bucket_start, cohort_name, cohort_value, predicted_class, shift,
        {{ window }} as window_buckets,
        {%- set frame = "over (partition by model_id, cohort_name, cohort_value, predicted_class"
              ~ " order by bucket_start rows between " ~ (window - 1) ~ " preceding and current row)" %}
        sum(case when n > 0 then 1 else 0 end) {{ frame }} as buckets_with_data,
        sum(n) {{ frame }} as rolling_n,
        sum(shifted_sum) {{ frame }} as window_shifted_sum,
        sum(shifted_m2) {{ frame }} as window_shifted_m2
    from shifted
    {{ "union all" if not loop.last }}
    {%- endfor %}

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
    shift + window_shifted_sum / rolling_n as rolling_mean,
    case when rolling_n > 1
         then greatest(0.0, window_shifted_m2 - window_shifted_sum * window_shifted_sum / rolling_n) / (rolling_n - 1)
    end as rolling_variance,
    case when rolling_n > 1
         then sqrt(greatest(0.0, window_shifted_m2 - window_shifted_sum * window_shifted_sum / rolling_n)
                   / (rolling_n - 1))
    end as rolling_stddev
from windows
where rolling_n > 0
