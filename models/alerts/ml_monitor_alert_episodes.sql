{#- Alert episodes (int_ml_monitor__alert_episodes) with the incident each belongs to. -#}
select
    i.incident_id,
    e.episode_id,
    e.model_id,
    e.alert_type,
    e.cohort_name,
    e.cohort_value,
    e.subject,
    e.first_bucket,
    e.last_bucket,
    e.buckets_alerting,
    e.peak_severity,
    e.peak_metric,
    e.peak_value,
    e.peak_threshold,
    e.peak_p_value_adjusted,
    e.is_open
from {{ ref('int_ml_monitor__alert_episodes') }} as e
inner join {{ ref('int_ml_monitor__episode_incidents') }} as i
    on i.episode_id = e.episode_id
