{#- The estimated metrics charts, whole population: each metric's estimate with its alerting and checking bands. -#}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
select model_id, bucket_start, predicted_class, metric, estimate, alerting_lower, alerting_upper, n_checked, realized,
       checking_lower, checking_upper, is_within_checking_band, {{ ml_monitor.bucket_rank() }} as bucket_rank
from {{ ref('ml_monitor_estimated_metrics') }}
where cohort_name = {{ all }} and estimate is not null
