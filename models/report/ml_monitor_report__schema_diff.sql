{#- The schema table: each column's type in the reference and in the serving log. -#}
select column_name, reference_type, serving_type, status
from {{ ref('ml_monitor_schema_diff') }}
