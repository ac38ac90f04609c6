{#- The label coverage chart: coverage and label lag per cohort and bucket against the usual coverage. -#}
with coverage as (
  select model_id, bucket_start, cohort_name, cohort_value, n_predictions, coverage, usual_coverage,
         lag_p50_hours, lag_p90_hours, is_alert
  from {{ ref('ml_monitor_label_coverage') }}
)

{{ ml_monitor.rank_groups('coverage', ['cohort_name', 'cohort_value'], 'sum(n_predictions)', 'cohort_rank') }}
