{#- Accuracy estimated from confidence alone (the idea of NannyML's CBPE), per model, bucket
    and cohort: the mean calibrated P(correct) of the bucket's predictions, with the band
    estimate ± 3·√(a(1−a)/n) clipped to [0, 1], beside the realised accuracy where labels
    have arrived. The reference band is the holdout accuracy ± 3σ at the bucket's size;
    is_alert when the estimate falls below it. Before `ml-monitor fit-thresholds` has
    written a calibration, estimates are NULL and calibration_source is 'none'. -#}
{%- set double = ml_monitor.type_double() -%}

with buckets as (

    select model_id, bucket_start, cohort_name, cohort_value, n, n_calibrated,
           sum_calibrated_probability / nullif(n_calibrated, 0) as estimated_accuracy
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class' and predicted_class = '__all__'

),

reference as (

    select model_id,
           sum(n * calibrated_probability) / sum(n) as reference_accuracy
    from {{ ref('ml_monitor_fitted_calibration') }}
    where predicted_class = '__all__'
    group by model_id

),

realized as (

    select model_id, bucket_start, cohort_name, cohort_value, n_labeled, accuracy
    from {{ ref('ml_monitor_performance') }}
    where predicted_class = '__all__'

),

banded as (

    select
        b.*,
        3 * sqrt(b.estimated_accuracy * (1 - b.estimated_accuracy) / b.n) as half_width,
        r.reference_accuracy,
        3 * sqrt(r.reference_accuracy * (1 - r.reference_accuracy) / b.n) as reference_half_width
    from buckets as b
    left join reference as r on r.model_id = b.model_id

)

select
    b.model_id,
    b.bucket_start,
    b.cohort_name,
    b.cohort_value,
    b.n,
    b.n_calibrated,
    b.estimated_accuracy,
    greatest(0.0, b.estimated_accuracy - b.half_width) as lower,
    least(1.0, b.estimated_accuracy + b.half_width) as upper,
    x.accuracy as realized_accuracy,
    coalesce(x.n_labeled, 0) as n_labeled,
    b.reference_accuracy,
    greatest(0.0, b.reference_accuracy - b.reference_half_width) as reference_lower,
    least(1.0, b.reference_accuracy + b.reference_half_width) as reference_upper,
    case when b.n_calibrated > 0 then 'isotonic' else 'none' end as calibration_source,
    coalesce(
        b.n >= {{ var('ml_monitor_min_bucket_size') }}
        and b.estimated_accuracy < b.reference_accuracy - b.reference_half_width,
        false
    ) as is_alert
from banded as b
left join realized as x
    on x.model_id = b.model_id and x.bucket_start = b.bucket_start
    and x.cohort_name = b.cohort_name and x.cohort_value = b.cohort_value
