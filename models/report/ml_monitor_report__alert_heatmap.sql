{#- The alert heatmap: alerts per model, alert type and bucket. -#}
with counts as (
  select model_id, alert_type, bucket_start, count(*) as n,
         sum(case when severity = 'critical' then 1 else 0 end) as n_critical
  from {{ ref('ml_monitor_alerts') }}
  where bucket_start is not null
  group by model_id, alert_type, bucket_start
)

select *, {{ ml_monitor.bucket_rank() }} as bucket_rank
from counts
