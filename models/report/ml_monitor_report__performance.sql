{#- The measured performance chart: accuracy and F1 on the labelled rows per class and bucket, whole population. -#}
with measured as (
  select model_id, bucket_start, predicted_class, n_labeled, accuracy, f1, macro_f1
  from {{ ref('ml_monitor_performance') }}
  where cohort_name = '__all__'
),

class_ranks as (
  {{ ml_monitor.top_ranks('measured', ['predicted_class'], 'sum(n_labeled)', 'class_rank') }}
)

select m.*, k.class_rank, {{ ml_monitor.bucket_rank('m.bucket_start') }} as bucket_rank
from measured m
join class_ranks k on k.predicted_class = m.predicted_class
