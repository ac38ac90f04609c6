{#- The segment table: the cohort values carrying each population alert, by contribution rank. -#}
select bucket_start, alert_type, subject, contribution_rank, cohort_name, cohort_value, share, cohort_effect,
       cohort_is_alert, model_id, {{ ml_monitor.bucket_rank() }} as bucket_rank
from {{ ref('ml_monitor_segment_findings') }}
