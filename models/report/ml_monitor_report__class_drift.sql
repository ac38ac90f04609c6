{#- The class drift chart: PSI and JS distance of the class mix per cohort and bucket. -#}
with drift as (
  select model_id, bucket_start, cohort_name, cohort_value, n, psi, js_distance, is_drift
  from {{ ref('ml_monitor_class_drift') }}
)

{{ ml_monitor.rank_groups('drift', ['cohort_name', 'cohort_value'], 'sum(n)', 'cohort_rank') }}
