{#- The null fraction table: each column over the whole log and population, against the reference. -#}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
select model_id, column_name, n, null_count, reference_null_fraction, serving_null_fraction, delta, is_alert
from {{ ref('ml_monitor_null_fractions') }}
where scope = 'overall' and cohort_name = {{ all }}
