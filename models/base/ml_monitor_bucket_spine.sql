{#- Every bucket from each model's first to its last bucket, empty ones included, so that
    rolling windows count calendar buckets rather than buckets with data. -#}
with model_ranges as (

    select model_id, min(bucket_start) as first_bucket, max(bucket_start) as last_bucket
    from {{ ref('ml_monitor_base_stats') }}
    group by model_id

)

select
    model_id,
    cast({{ ml_monitor.bucket_series('first_bucket', 'last_bucket') }} as {{ dbt.type_timestamp() }}) as bucket_start
from model_ranges
