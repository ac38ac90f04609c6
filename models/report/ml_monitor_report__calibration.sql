{#- The calibration charts: ECE, Brier score and log loss per scope and bucket against the holdout's, all classes. -#}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
select model_id, scope, bucket_start, n, ece, brier, log_loss, reference_ece, reference_brier, reference_log_loss,
       is_calibration_drift, {{ ml_monitor.bucket_rank() }} as bucket_rank
from {{ ref('ml_monitor_calibration_drift') }}
where predicted_class = {{ all }}
