{#- Freshness per model and stream (int_ml_monitor__freshness) with the decision of
    ml_monitor_alert_tests: stale_predictions or stale_labels, by stream. -#}
{{ config(materialized='ml_monitor_view') }}
select
    i.*,
    t.p_value_adjusted,
    coalesce(t.is_alert, false) as is_alert
from {{ ref('int_ml_monitor__freshness') }} as i
left join {{ ref('ml_monitor_alert_tests') }} as t
    on t.alert_type = 'stale_' || i.stream
    and t.model_id = i.model_id
    and t.bucket_start = i.bucket_start
    and t.subject = i.stream
