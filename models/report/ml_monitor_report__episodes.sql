{#- The episodes of each incident in the order the report shows them: the most severe
    episode of each alert type first, then the second of each..., so that the first few
    cover every type of the incident. -#}
with ranked_in_type as (
  select e.*,
         row_number() over (partition by incident_id, alert_type
                            order by case peak_severity when 'critical' then 0 else 1 end, first_bucket, episode_id)
           as rank_in_type
  from {{ ref('ml_monitor_alert_episodes') }} e
)

select r.*,
       row_number() over (partition by incident_id
                          order by rank_in_type, case peak_severity when 'critical' then 0 else 1 end,
                                   first_bucket, episode_id) as rank_in_incident
from ranked_in_type r
