{#- Every bucket from each model's first to its last bucket, empty ones included, so that
    rolling windows count calendar buckets rather than buckets with data. The last bucket is
    the later of the model's latest bucket with data and the last complete bucket before
    "now" (var ml_monitor_now): a log that stopped has empty buckets up to now, which the
    volume monitor judges. -#}
with model_ranges as (

    select
        model_id,
        min(bucket_start) as first_bucket,
        greatest(max(bucket_start), {{ ml_monitor.shift_buckets(-1, ml_monitor.current_bucket()) }}) as last_bucket
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
