{#- The alert table: every alert with its rank within its type (the most severe and recent
    first; the grain's keys break ties, so every warehouse shows the same alerts) and its
    type's counts, so that the report can show the first few of each type. -#}
select a.*,
       row_number() over (partition by alert_type order by
         case severity when 'critical' then 0 else 1 end, bucket_start desc nulls last, subject,
         model_id, cohort_name, cohort_value, metric) as rank_in_type,
       count(*) over (partition by alert_type) as n_of_type,
       sum(case when severity = 'critical' then 1 else 0 end) over (partition by alert_type) as n_critical_of_type
from {{ ref('ml_monitor_alerts') }} a
