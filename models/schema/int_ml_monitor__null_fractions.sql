{#- Null fraction of every monitored input column (cohorts, features, text, embedding) per
    model and bucket, plus one overall row per column (scope = 'overall', bucket_start NULL),
    against the reference split, with the two-proportion test of the bucket's null count
    against the reference's (pooled: z = Δ / √(p̄(1 − p̄)(1/n + 1/n_reference)), two-sided).
    The decision is made in ml_monitor_alert_tests; ml_monitor_null_fractions shows it. -#}
{%- set monitored = ml_monitor.monitored_columns() -%}
{%- set double = ml_monitor.type_double() -%}

with serving_nulls as (

    select model_id, bucket_start, column_name, n, null_count
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'nulls'

),

reference_nulls as (

    {%- for name in monitored %}
    select model_id, {{ ml_monitor.string_literal(name) }} as column_name,
           avg(cast(case when {{ ml_monitor.quote_identifier(name) }} is null then 1 else 0 end as {{ ml_monitor.type_double() }})) as reference_null_fraction,
           count(*) as reference_rows
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(var('ml_monitor_reference_split')) }}
    group by model_id
    {{ "union all" if not loop.last }}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as model_id, cast(null as {{ dbt.type_string() }}) as column_name,
           cast(null as {{ double }}) as reference_null_fraction, 0 as reference_rows
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

),

compared as (

    select
        f.*,
        r.reference_null_fraction,
        r.reference_rows,
        f.serving_null_fraction - r.reference_null_fraction as delta,
        -- pooled null fraction of both samples, the variance of the difference under no change
        (f.null_count + r.reference_null_fraction * r.reference_rows) / (f.n + r.reference_rows) as pooled
    from fractions as f
    left join reference_nulls as r
        on r.model_id = f.model_id
        and r.column_name = f.column_name

),

tested as (

    select
        *,
        case
            when pooled * (1 - pooled) > 0
            then abs(delta) / sqrt(pooled * (1 - pooled) * (cast(1 as {{ double }}) / n + cast(1 as {{ double }}) / reference_rows))
            when reference_rows > 0 then 0  -- every row NULL on both sides, or none
        end as z
    from compared

)

select
    model_id,
    column_name,
    scope,
    bucket_start,
    cast(n as {{ dbt.type_bigint() }}) as n,
    cast(null_count as {{ dbt.type_bigint() }}) as null_count,
    cast(reference_null_fraction as {{ double }}) as reference_null_fraction,
    cast(reference_rows as {{ dbt.type_bigint() }}) as reference_rows,
    serving_null_fraction,
    delta,
    case when z is not null then least(1.0, 2 * {{ ml_monitor.normal_sf('z') }}) end as p_value,
    {{ ml_monitor.evidence_note([('reference_rows is null or reference_rows = 0', 'no_reference')]) }} as evidence_note
from tested
