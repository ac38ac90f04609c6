{#- The threshold band chart: predictions per score band of each class over the whole population. -#}
with bands as (
  select model_id, predicted_class, bucket_start, band, n
  from {{ ref('ml_monitor_threshold_bands') }}
  where cohort_name = '__all__'
)

{{ ml_monitor.rank_groups('bands', ['predicted_class'], 'sum(n)', 'class_rank') }}
