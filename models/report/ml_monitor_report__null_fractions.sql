{#- The null fraction chart: each column's null fraction per bucket over the whole population, against the reference's. -#}
with nulls as (
  select model_id, bucket_start, column_name, serving_null_fraction, reference_null_fraction, is_alert, delta
  from {{ ref('ml_monitor_null_fractions') }}
  where scope = 'bucket' and cohort_name = '__all__'
),

column_ranks as (
  {{ ml_monitor.top_ranks('nulls', ['column_name'], 'max(abs(coalesce(delta, 0)))', 'column_rank') }}
)

select n.model_id, n.bucket_start, n.column_name, n.serving_null_fraction, n.reference_null_fraction, n.is_alert,
       c.column_rank, {{ ml_monitor.bucket_rank('n.bucket_start') }} as bucket_rank
from nulls n
join column_ranks c on c.column_name = n.column_name
