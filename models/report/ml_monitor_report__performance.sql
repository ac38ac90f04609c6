{#- The measured performance chart: accuracy and F1 on the labelled rows per class and bucket, whole population. -#}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
with measured as (
  select model_id, bucket_start, predicted_class, n_labeled, accuracy, f1, macro_f1
  from {{ ref('ml_monitor_performance') }}
  where cohort_name = {{ all }}
)

{{ ml_monitor.rank_groups('measured', ['predicted_class'], 'sum(n_labeled)', 'class_rank') }}
