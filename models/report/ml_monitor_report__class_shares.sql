{#- The class mix chart: each predicted class's share of the whole population per bucket, against its training share. -#}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
with shares as (
  select model_id, bucket_start, predicted_class, n, share, reference_share
  from {{ ref('ml_monitor_class_distribution') }}
  where cohort_name = {{ all }}
)

{{ ml_monitor.rank_groups('shares', ['predicted_class'], 'sum(n)', 'class_rank') }}
