{#- The class drift chart: PSI and JS distance of the class mix per cohort and bucket. -#}
with drift as (
  select model_id, bucket_start, cohort_name, cohort_value, n, psi, js_distance, is_drift
  from {{ ref('ml_monitor_class_drift') }}
),

cohort_ranks as (
  {{ ml_monitor.top_ranks('drift', ['cohort_name', 'cohort_value'], 'sum(n)', 'cohort_rank') }}
)

select d.*, c.cohort_rank, {{ ml_monitor.bucket_rank('d.bucket_start') }} as bucket_rank
from drift d
join cohort_ranks c on c.cohort_name = d.cohort_name and c.cohort_value = d.cohort_value
