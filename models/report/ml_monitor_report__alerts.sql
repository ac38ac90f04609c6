{#- The alert table: every alert with its rank within its type (the most severe and recent first)
    and its type's counts, so the report can show the first few of each type. -#}
select a.*,
       row_number() over (partition by alert_type order by
         case severity when 'critical' then 0 else 1 end, bucket_start desc, subject) as rank_in_type,
       count(*) over (partition by alert_type) as n_of_type,
       sum(case when severity = 'critical' then 1 else 0 end) over (partition by alert_type) as n_critical_of_type
from {{ ref('ml_monitor_alerts') }} a
