{#- The volume chart: rows logged per cohort and bucket against the expected volume and share. -#}
with volume as (
  select model_id, bucket_start, cohort_name, cohort_value, n_rows, expected_rows, expected_low, expected_high,
         share, baseline_share, is_alert
  from {{ ref('ml_monitor_volume') }}
)

{{ ml_monitor.rank_groups('volume', ['cohort_name', 'cohort_value'], 'sum(n_rows)', 'cohort_rank') }}
