{#- Invariant: the predicted class shares of each model, bucket and cohort sum to 1 (the
    rows of a bucket cover every class it predicted). Returns the groups that do not. -#}
select model_id, bucket_start, cohort_name, cohort_value, sum(share) as share_sum
from {{ ref('ml_monitor_class_distribution') }}
group by model_id, bucket_start, cohort_name, cohort_value
having abs(sum(share) - 1) > 1e-9
