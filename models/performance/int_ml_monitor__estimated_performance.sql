{#- Accuracy estimated from confidence alone, per model, bucket and cohort: the accuracy
    rows of ml_monitor_estimated_metrics (the mean calibrated P(correct) of the bucket's
    predictions, its alerting band as lower/upper and its checking band), beside the
    realised accuracy where labels have arrived. The reference band is the holdout accuracy
    ± ml_monitor_estimate_band_z σ at the bucket's size.
    Evidence that the estimate is below the holdout's: the one-sided test
        z = (reference − estimate) / √(a(1−a)/n + r(1−r)/n_holdout),
    where a(1−a)/n bounds the variance of a mean of n probabilities with mean a from above
    (conservative), and the holdout's own sampling error is the second term. The decision is
    made in ml_monitor_alert_tests. Before `ml-monitor fit-thresholds` has
    written a calibration, estimates are NULL and calibration_source is 'none'. -#}
{%- set z = ml_monitor.setting('ml_monitor_estimate_band_z') -%}

with buckets as (

    select b.model_id, b.bucket_start, b.cohort_name, b.cohort_value, b.n, b.n_calibrated,
           e.estimate as estimated_accuracy, e.alerting_lower, e.alerting_upper,
           e.checking_lower, e.checking_upper, e.realized as realized_accuracy, e.n_checked
    from {{ ref('ml_monitor_base_stats') }} as b
    inner join {{ ref('ml_monitor_estimated_metrics') }} as e
        on e.model_id = b.model_id and e.bucket_start = b.bucket_start and e.cohort_name = b.cohort_name
        and e.cohort_value = b.cohort_value and e.predicted_class = '__all__' and e.metric = 'accuracy'
    where b.row_kind = 'class' and b.predicted_class = '__all__'

),

reference as (

    select model_id,
           sum(n) as reference_n,
           sum(n * calibrated_probability) / sum(n) as reference_accuracy
    from {{ ref('ml_monitor_fitted_calibration') }}
    where predicted_class = '__all__'
    group by model_id

),

banded as (

    select
        b.*,
        r.reference_accuracy,
        r.reference_n,
        {{ z }} * sqrt(r.reference_accuracy * (1 - r.reference_accuracy) / b.n) as reference_half_width,
        sqrt(b.estimated_accuracy * (1 - b.estimated_accuracy) / b.n_calibrated
             + r.reference_accuracy * (1 - r.reference_accuracy) / r.reference_n) as standard_error
    from buckets as b
    left join reference as r on r.model_id = b.model_id

),

tested as (

    select
        *,
        case when standard_error > 0 then (reference_accuracy - estimated_accuracy) / standard_error end as z_drop
    from banded

)

select
    b.model_id,
    b.bucket_start,
    b.cohort_name,
    b.cohort_value,
    b.n,
    b.n_calibrated,
    b.estimated_accuracy,
    b.alerting_lower as lower,
    b.alerting_upper as upper,
    b.realized_accuracy,
    cast(coalesce(b.n_checked, 0) as {{ dbt.type_bigint() }}) as n_labeled,
    b.checking_lower,
    b.checking_upper,
    b.reference_accuracy,
    greatest(0.0, b.reference_accuracy - b.reference_half_width) as reference_lower,
    least(1.0, b.reference_accuracy + b.reference_half_width) as reference_upper,
    case when b.n_calibrated > 0 then 'isotonic' else 'none' end as calibration_source,
    case when b.z_drop is not null then {{ ml_monitor.normal_sf('b.z_drop') }}
         when b.estimated_accuracy is not null and b.reference_accuracy is not null
         then case when b.estimated_accuracy < b.reference_accuracy then 0.0 else 1.0 end
    end as p_value,
    {{ ml_monitor.evidence_note([
        ('b.estimated_accuracy is null', 'no_calibration'),
        ('b.reference_accuracy is null', 'no_reference'),
    ]) }} as evidence_note
from tested as b
