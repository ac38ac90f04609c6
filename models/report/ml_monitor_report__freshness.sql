{#- The freshness table: each stream's latest row and age at the run's now. -#}
select model_id, stream, latest_at, age_hours, usual_gap_hours, max_age_hours, is_alert
from {{ ref('ml_monitor_freshness') }}
