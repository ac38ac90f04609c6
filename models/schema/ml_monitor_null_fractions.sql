{#- Null fraction of every monitored input column (cohorts, features, text, embedding) per
    model and bucket, plus one overall row per column (scope = 'overall', bucket_start NULL),
    against the reference split. is_alert when the serving fraction differs from the
    reference by more than ml_monitor_null_fraction_tolerance. -#}
{%- set monitored = ml_monitor.monitored_columns() -%}
{%- set double = ml_monitor.type_double() -%}

with bucket_rows as (

    select *
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class' and predicted_class = '__all__' and cohort_name = '__all__'

),

serving_nulls as (

    {%- for name in monitored %}
    select model_id, bucket_start, {{ ml_monitor.string_literal(name) }} as column_name,
           n, null_count_{{ loop.index }} as null_count
    from bucket_rows
    {{ "union all" if not loop.last }}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as model_id, cast(null as {{ dbt.type_timestamp() }}) as bucket_start,
           cast(null as {{ dbt.type_string() }}) as column_name, 0 as n, 0 as null_count
    where 1 = 0
    {%- endfor %}

),

reference_nulls as (

    {%- for name in monitored %}
    select model_id, {{ ml_monitor.string_literal(name) }} as column_name,
           avg(cast(case when {{ ml_monitor.quote_identifier(name) }} is null then 1 else 0 end as {{ ml_monitor.type_double() }})) as reference_null_fraction
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(var('ml_monitor_reference_split')) }}
    group by model_id
    {{ "union all" if not loop.last }}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as model_id, cast(null as {{ dbt.type_string() }}) as column_name,
           cast(null as {{ double }}) as reference_null_fraction
    where 1 = 0
    {%- endfor %}

),

fractions as (

    select 'bucket' as scope, model_id, bucket_start, column_name,
           n, null_count, cast(null_count as {{ double }}) / n as serving_null_fraction
    from serving_nulls
    union all
    select 'overall' as scope, model_id, cast(null as {{ dbt.type_timestamp() }}) as bucket_start, column_name,
           sum(n), sum(null_count), cast(sum(null_count) as {{ double }}) / sum(n)
    from serving_nulls
    group by model_id, column_name

)

select
    f.model_id,
    f.column_name,
    f.scope,
    f.bucket_start,
    cast(f.n as {{ dbt.type_bigint() }}) as n,
    cast(f.null_count as {{ dbt.type_bigint() }}) as null_count,
    cast(r.reference_null_fraction as {{ double }}) as reference_null_fraction,
    f.serving_null_fraction,
    f.serving_null_fraction - r.reference_null_fraction as delta,
    coalesce(abs(f.serving_null_fraction - r.reference_null_fraction) > {{ var('ml_monitor_null_fraction_tolerance') }}, false) as is_alert
from fractions as f
left join reference_nulls as r
    on r.model_id = f.model_id
    and r.column_name = f.column_name
