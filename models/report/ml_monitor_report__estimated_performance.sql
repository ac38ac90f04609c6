{#- The estimated accuracy chart (CBPE), whole population: the estimate and its band against the realised accuracy. -#}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
select model_id, bucket_start, n, n_calibrated, estimated_accuracy, lower, upper, realized_accuracy, n_labeled,
       reference_accuracy, reference_lower, reference_upper, is_alert, {{ ml_monitor.bucket_rank() }} as bucket_rank
from {{ ref('ml_monitor_estimated_performance') }}
where cohort_name = {{ all }}
