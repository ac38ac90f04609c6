{#- Every bucket from each model's first to its last bucket, empty ones included, so that
    rolling windows count calendar buckets rather than buckets with data. -#}
with model_ranges as (

    select model_id, min(bucket_start) as first_bucket, max(bucket_start) as last_bucket
    from {{ ref('ml_monitor_base_stats') }}
    group by model_id

)

{#- the series in a select list of its own: Spark takes a generator (explode) only at the top
    of a select expression, not inside a cast -#}
select model_id, cast(bucket_start as {{ dbt.type_timestamp() }}) as bucket_start
from (
    select model_id, {{ ml_monitor.bucket_series('first_bucket', 'last_bucket') }} as bucket_start
    from model_ranges
) as series
