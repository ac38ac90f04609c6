{#- The threshold band chart: predictions per score band of each class over the whole population. -#}
with bands as (
  select model_id, predicted_class, bucket_start, band, n
  from {{ ref('ml_monitor_threshold_bands') }}
  where cohort_name = '__all__'
),

class_ranks as (
  {{ ml_monitor.top_ranks('bands', ['predicted_class'], 'sum(n)', 'class_rank') }}
)

select b.*, k.class_rank, {{ ml_monitor.bucket_rank('b.bucket_start') }} as bucket_rank
from bands b
join class_ranks k on k.predicted_class = b.predicted_class
