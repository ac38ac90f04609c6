{#- The class mix chart: each predicted class's share of the whole population per bucket, against its training share. -#}
with shares as (
  select model_id, bucket_start, predicted_class, n, share, reference_share
  from {{ ref('ml_monitor_class_distribution') }}
  where cohort_name = '__all__'
)

{{ ml_monitor.rank_groups('shares', ['predicted_class'], 'sum(n)', 'class_rank') }}
