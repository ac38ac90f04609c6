{#- The reliability diagram: the holdout's confidence bins against the latest week's, all classes. -#}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
with bins as (
  select model_id, scope, bucket_start, bin, n, mean_confidence, accuracy
  from {{ ref('ml_monitor_calibration_bins') }}
  where predicted_class = {{ all }}
),

latest_week as (
  select model_id, max(bucket_start) as bucket_start
  from bins
  where scope = 'week'
  group by model_id
)

select b.*
from bins b
left join latest_week w on w.model_id = b.model_id and w.bucket_start = b.bucket_start
where b.scope = 'holdout' or (b.scope = 'week' and w.bucket_start is not null)
