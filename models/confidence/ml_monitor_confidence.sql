{#- Confidence per model, bucket, cohort and predicted class, with the anomaly rule: the
    bucket mean against the mean and sample standard deviation of the previous W bucket
    means (W = first rolling window). -#}
{%- set window = var('ml_monitor_rolling_windows')[0] -%}

with series as (

    select
        model_id, bucket_start, cohort_name, cohort_value, predicted_class,
        n, mean_confidence, m2_confidence, min_confidence, max_confidence,
        p10_confidence, p50_confidence, p90_confidence
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class'

),

baselines as (

    -- the previous W calendar buckets of the series; empty ones have a NULL mean and are skipped
    {%- set frame = "over (partition by model_id, cohort_name, cohort_value, predicted_class order by bucket_start rows between " ~ window ~ " preceding and 1 preceding)" %}
    select
        model_id, bucket_start, cohort_name, cohort_value, predicted_class,
        count(mean_confidence) {{ frame }} as baseline_buckets,
        avg(mean_confidence) {{ frame }} as baseline_mean,
        stddev_samp(mean_confidence) {{ frame }} as baseline_stddev
    from {{ ref('ml_monitor_series_buckets') }}

),

scored as (

    select
        s.*,
        case when s.n > 1 then s.m2_confidence / (s.n - 1) end as var_confidence,
        coalesce(b.baseline_buckets, 0) as baseline_buckets,
        b.baseline_mean,
        b.baseline_stddev,
        -- undefined when the previous means agree up to rounding: a ratio of rounding noise
        -- would be any number, and differ between two runs of the same data
        case when b.baseline_stddev > 1e-12 then (s.mean_confidence - b.baseline_mean) / b.baseline_stddev end as z_score
    from series as s
    left join baselines as b
        on b.model_id = s.model_id
        and b.bucket_start = s.bucket_start
        and b.cohort_name = s.cohort_name
        and b.cohort_value = s.cohort_value
        and b.predicted_class = s.predicted_class

)

select
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    predicted_class,
    n,
    mean_confidence,
    var_confidence,
    sqrt(var_confidence) as stddev_confidence,
    min_confidence,
    max_confidence,
    p10_confidence,
    p50_confidence,
    p90_confidence,
    cast(baseline_buckets as integer) as baseline_buckets,
    baseline_mean,
    baseline_stddev,
    z_score,
    coalesce(
        baseline_buckets >= {{ var('ml_monitor_min_training_buckets') }}
        and n >= {{ var('ml_monitor_min_bucket_size') }}
        and abs(z_score) > {{ var('ml_monitor_anomaly_z') }}
        and abs(mean_confidence - baseline_mean) >= {{ var('ml_monitor_anomaly_min_delta') }},
        false
    ) as is_anomaly
from scored
