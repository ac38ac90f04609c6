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

    select
        current_bucket.model_id,
        current_bucket.bucket_start,
        current_bucket.cohort_name,
        current_bucket.cohort_value,
        current_bucket.predicted_class,
        count(*) as baseline_buckets,
        avg(earlier.mean_confidence) as baseline_mean,
        stddev_samp(earlier.mean_confidence) as baseline_stddev
    from series as current_bucket
    inner join series as earlier
        on earlier.model_id = current_bucket.model_id
        and earlier.cohort_name = current_bucket.cohort_name
        and earlier.cohort_value = current_bucket.cohort_value
        and earlier.predicted_class = current_bucket.predicted_class
        and earlier.bucket_start < current_bucket.bucket_start
        and earlier.bucket_start >= {{ ml_monitor.shift_buckets(-window, 'current_bucket.bucket_start') }}
    group by 1, 2, 3, 4, 5

),

scored as (

    select
        s.*,
        case when s.n > 1 then s.m2_confidence / (s.n - 1) end as var_confidence,
        coalesce(b.baseline_buckets, 0) as baseline_buckets,
        b.baseline_mean,
        b.baseline_stddev,
        (s.mean_confidence - b.baseline_mean) / nullif(b.baseline_stddev, 0) as z_score
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
