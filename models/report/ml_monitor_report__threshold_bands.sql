{#- The threshold band chart: predictions per score band of each class over the whole population. -#}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
with bands as (
  select model_id, predicted_class, bucket_start, band, n
  from {{ ref('ml_monitor_threshold_bands') }}
  where cohort_name = {{ all }}
)

{{ ml_monitor.rank_groups('bands', ['predicted_class'], 'sum(n)', 'class_rank') }}
