{#- The threshold line of the band chart: one threshold per class and bucket (every band of it has the same). -#}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
with thresholds as (
  select model_id, predicted_class, bucket_start, min(threshold) as threshold, min(threshold_source) as threshold_source
  from {{ ref('ml_monitor_threshold_bands') }}
  where cohort_name = {{ all }}
  group by model_id, predicted_class, bucket_start
),

class_ranks as (
  select distinct predicted_class, class_rank from {{ ref('ml_monitor_report__threshold_bands') }}
)

select t.*, k.class_rank, {{ ml_monitor.bucket_rank('t.bucket_start') }} as bucket_rank
from thresholds t
join class_ranks k on k.predicted_class = t.predicted_class
