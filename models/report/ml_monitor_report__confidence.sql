{#- The confidence chart: each series' bucket statistics with its rolling mean over the shortest window. -#}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
with confidence as (
  select model_id, bucket_start, cohort_name, cohort_value, predicted_class, n, mean_confidence,
         p10_confidence, p50_confidence, p90_confidence, baseline_mean, baseline_stddev, z_score, is_anomaly
  from {{ ref('ml_monitor_confidence') }}
),

shortest_window as (
  select model_id, bucket_start, cohort_name, cohort_value, predicted_class, rolling_mean
  from {{ ref('ml_monitor_confidence_rolling') }}
  where window_buckets = {{ ml_monitor.setting('ml_monitor_rolling_windows') | min }}
),

cohort_ranks as (
  {{ ml_monitor.top_ranks('confidence', ['cohort_name', 'cohort_value'], 'sum(n)', 'cohort_rank', "predicted_class = " ~ all) }}
),

class_ranks as (
  {{ ml_monitor.top_ranks('confidence', ['predicted_class'], 'sum(n)', 'class_rank', "cohort_name = " ~ all) }}
)

select c.*, w.rolling_mean, cr.cohort_rank, kr.class_rank, {{ ml_monitor.bucket_rank('c.bucket_start') }} as bucket_rank
from confidence c
left join shortest_window w
  on w.model_id = c.model_id and w.bucket_start = c.bucket_start and w.cohort_name = c.cohort_name
  and w.cohort_value = c.cohort_value and w.predicted_class = c.predicted_class
join cohort_ranks cr on cr.cohort_name = c.cohort_name and cr.cohort_value = c.cohort_value
join class_ranks kr on kr.predicted_class = c.predicted_class
