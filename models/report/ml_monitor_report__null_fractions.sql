{#- The null fraction chart: each column's null fraction per bucket over the whole population, against the reference's. -#}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
with nulls as (
  select model_id, bucket_start, column_name, serving_null_fraction, reference_null_fraction, delta, is_alert
  from {{ ref('ml_monitor_null_fractions') }}
  where scope = 'bucket' and cohort_name = {{ all }}
)

{{ ml_monitor.rank_groups('nulls', ['column_name'], 'max(abs(coalesce(delta, 0)))', 'column_rank') }}
