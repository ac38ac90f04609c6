{#- The schema history table: each column's type as runs observed it. -#}
select column_name, data_type, status, first_observed_at, last_observed_at, is_current
from {{ ref('ml_monitor_schema_history') }}
