{#- The label coverage chart: coverage and label lag per cohort and bucket against the usual coverage. -#}
with coverage as (
  select model_id, bucket_start, cohort_name, cohort_value, n_predictions, coverage, usual_coverage,
         lag_p50_hours, lag_p90_hours, is_alert
  from {{ ref('ml_monitor_label_coverage') }}
),

cohort_ranks as (
  {{ ml_monitor.top_ranks('coverage', ['cohort_name', 'cohort_value'], 'sum(n_predictions)', 'cohort_rank') }}
)

select c.model_id, c.bucket_start, c.cohort_name, c.cohort_value, c.coverage, c.usual_coverage, c.lag_p50_hours,
       c.lag_p90_hours, c.is_alert, r.cohort_rank, {{ ml_monitor.bucket_rank('c.bucket_start') }} as bucket_rank
from coverage c
join cohort_ranks r on r.cohort_name = c.cohort_name and r.cohort_value = c.cohort_value
