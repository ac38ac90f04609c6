{#- Each episode's alerts, the most severe and recent first. Alerts carry no episode id: an
    episode's alerts are its series' alerts within its buckets (a standing episode's: the
    series' alert without a bucket). -#}
with episodes as (
  select episode_id, model_id, alert_type, cohort_name, cohort_value, subject, first_bucket, last_bucket
  from {{ ref('ml_monitor_alert_episodes') }}
)

select e.episode_id, a.*,
       row_number() over (partition by e.episode_id
                          order by case a.severity when 'critical' then 0 else 1 end, a.bucket_start desc nulls last, a.metric)
         as rank_in_episode
from {{ ref('ml_monitor_alerts') }} a
join episodes e
  on a.model_id = e.model_id and a.alert_type = e.alert_type and a.cohort_name = e.cohort_name
  and a.cohort_value = e.cohort_value and a.subject = e.subject
  and (a.bucket_start between e.first_bucket and e.last_bucket or (a.bucket_start is null and e.first_bucket is null))
