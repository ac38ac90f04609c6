{#- The estimator table: buckets where a realised metric fell outside its checking band. -#}
select model_id, bucket_start, n_checks, n_misses, miss_probability, p_value, p_value_adjusted, is_alert
from {{ ref('ml_monitor_estimator_reliability') }}
where n_misses > 0
