{#- Rows logged per model, bucket and cohort value ('__all__': the whole population), every
    row with a bucket counted, excluded ones included (n_excluded of them): the volume
    monitor asks whether rows arrive, not whether they are valid. Incremental by bucket like
    the base tables; another cohort configuration recomputes every bucket. -#}
{{ config(**ml_monitor.incremental_by_bucket()) }}
{%- set config_version = ml_monitor.config_version(['ml_monitor_cohorts']) -%}

with logged as (

    select
        {{- ml_monitor.cohort_input_columns() }}
        model_id,
        bucket_start,
        case when exclusion_reason is null then 0 else 1 end as is_excluded
    from {{ ref('stg_ml_monitor__predictions') }}
    where bucket_start is not null
    {%- if is_incremental() and not ml_monitor.base_is_stale(config_version) %}
      and {{ ml_monitor.recent_buckets_filter() }}
    {%- endif %}

),

grouped as (

    select
        model_id,
        bucket_start,
        {{- ml_monitor.cohort_grouping_columns() }}
        count(*) as n_rows,
        sum(is_excluded) as n_excluded
    from logged
    group by {{ ml_monitor.cohort_grouping_sets([['model_id', 'bucket_start']]) }}

)

select
    model_id,
    bucket_start,
    {{ ml_monitor.cohort_name_value() }},
    cast(n_rows as {{ dbt.type_bigint() }}) as n_rows,
    cast(n_excluded as {{ dbt.type_bigint() }}) as n_excluded,
    {{ ml_monitor.config_version_literal(config_version) }} as config_version
from grouped
