{#- The class mix chart: each predicted class's share of the whole population per bucket, against its training share. -#}
with shares as (
  select model_id, bucket_start, predicted_class, n, share, reference_share
  from {{ ref('ml_monitor_class_distribution') }}
  where cohort_name = '__all__'
),

class_ranks as (
  {{ ml_monitor.top_ranks('shares', ['predicted_class'], 'sum(n)', 'class_rank') }}
)

select s.*, k.class_rank, {{ ml_monitor.bucket_rank('s.bucket_start') }} as bucket_rank
from shares s
join class_ranks k on k.predicted_class = s.predicted_class
