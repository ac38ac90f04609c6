{#- The volume chart: rows logged per cohort and bucket against the expected volume and share. -#}
with volume as (
  select model_id, bucket_start, cohort_name, cohort_value, n_rows, expected_rows, expected_low, expected_high,
         share, baseline_share, is_alert
  from {{ ref('ml_monitor_volume') }}
),

cohort_ranks as (
  {{ ml_monitor.top_ranks('volume', ['cohort_name', 'cohort_value'], 'sum(n_rows)', 'cohort_rank') }}
)

select v.*, c.cohort_rank, {{ ml_monitor.bucket_rank('v.bucket_start') }} as bucket_rank
from volume v
join cohort_ranks c on c.cohort_name = v.cohort_name and c.cohort_value = v.cohort_value
