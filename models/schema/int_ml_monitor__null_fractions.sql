{#- Null fraction of every monitored input column (cohorts, features, text, embedding) per
    model, bucket and cohort ('__all__': the population), plus one overall row per column
    and cohort (scope = 'overall', bucket_start NULL), against the reference split — the
    training rows of the same cohort value when there are at least
    ml_monitor_min_reference_cohort_rows of them, else all of them (reference_scope) — with
    the two-proportion test of the bucket's null count against the reference's (pooled:
    z = Δ / √(p̄(1 − p̄)(1/n + 1/n_reference)), two-sided). A cohort column is not monitored
    within its own cohorts. The decision is made in ml_monitor_alert_tests;
    ml_monitor_null_fractions shows it. -#}
{%- set monitored = ml_monitor.monitored_columns() -%}
{%- set double = ml_monitor.type_double() -%}
{%- set min_rows = ml_monitor.setting('ml_monitor_min_reference_cohort_rows') -%}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}

with serving_nulls as (

    select model_id, bucket_start, cohort_name, cohort_value, column_name, n, null_count
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'nulls'

),

reference_rows as (

    select
        {{- ml_monitor.cohort_input_columns() }}
        model_id
        {%- for name in monitored %},
        case when {{ ml_monitor.quote_identifier(name) }} is null then 1 else 0 end as is_null_{{ loop.index }}
        {%- endfor %}
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_reference_split')) }}

),

-- the training rows' null counts per model and cohort, in one pass
reference_groups as (

    select
        model_id,
        {{- ml_monitor.cohort_grouping_columns() }}
        count(*) as reference_rows
        {%- for name in monitored %},
        sum(is_null_{{ loop.index }}) as null_count_{{ loop.index }}
        {%- endfor %}
    from reference_rows
    group by {{ ml_monitor.cohort_grouping_sets([['model_id']]) }}

),

reference_cohorts as (

    select model_id, {{ ml_monitor.cohort_name_value() }}, reference_rows
        {%- for name in monitored %},
        null_count_{{ loop.index }}
        {%- endfor %}
    from reference_groups

),

reference_nulls as (

    {%- for name in monitored %}
    select model_id, cohort_name, cohort_value, {{ ml_monitor.string_literal(name) }} as column_name,
           cast(null_count_{{ loop.index }} as {{ double }}) / reference_rows as reference_null_fraction,
           reference_rows
    from reference_cohorts
    {{ "union all" if not loop.last }}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as model_id, cast(null as {{ dbt.type_string() }}) as cohort_name,
           cast(null as {{ dbt.type_string() }}) as cohort_value, cast(null as {{ dbt.type_string() }}) as column_name,
           cast(null as {{ double }}) as reference_null_fraction, 0 as reference_rows
    where 1 = 0
    {%- endfor %}

),

fractions as (

    select 'bucket' as scope, model_id, bucket_start, cohort_name, cohort_value, column_name,
           n, null_count, cast(null_count as {{ double }}) / n as serving_null_fraction
    from serving_nulls
    union all
    select 'overall' as scope, model_id, cast(null as {{ dbt.type_timestamp() }}) as bucket_start,
           cohort_name, cohort_value, column_name,
           sum(n), sum(null_count), cast(sum(null_count) as {{ double }}) / sum(n)
    from serving_nulls
    group by model_id, cohort_name, cohort_value, column_name

),

-- each cohort value against its own training rows when there are enough, else all of them
referenced as (

    select
        f.*,
        case when own.reference_rows >= {{ min_rows }} then 'cohort' else 'model' end as reference_scope,
        case when own.reference_rows >= {{ min_rows }} then own.reference_null_fraction
             else population.reference_null_fraction end as reference_null_fraction,
        case when own.reference_rows >= {{ min_rows }} then own.reference_rows
             else population.reference_rows end as reference_rows
    from fractions as f
    left join reference_nulls as own
        on own.model_id = f.model_id and own.cohort_name = f.cohort_name
        and own.cohort_value = f.cohort_value and own.column_name = f.column_name
    left join reference_nulls as population
        on population.model_id = f.model_id and population.cohort_name = {{ all }}
        and population.column_name = f.column_name

),

compared as (

    select
        *,
        serving_null_fraction - reference_null_fraction as delta,
        -- pooled null fraction of both samples, the variance of the difference under no change
        (null_count + reference_null_fraction * reference_rows) / (n + reference_rows) as pooled
    from referenced

),
tested as (

    select
        *,
        case
            when pooled * (1 - pooled) > 0
            then abs(delta) / sqrt(pooled * (1 - pooled) * (cast(1 as {{ double }}) / n + cast(1
                as {{ double }}) / reference_rows))
            when reference_rows > 0 then 0  -- every row NULL on both sides, or none
        end as z
    from compared

)

select
    model_id,
    column_name,
    scope,
    bucket_start,
    cohort_name,
    cohort_value,
    cast(n as {{ dbt.type_bigint() }}) as n,
    cast(null_count as {{ dbt.type_bigint() }}) as null_count,
    cast(reference_null_fraction as {{ double }}) as reference_null_fraction,
    cast(reference_rows as {{ dbt.type_bigint() }}) as reference_rows,
    reference_scope,
    serving_null_fraction,
    delta,
    case when z is not null then least(1.0, 2 * {{ ml_monitor.normal_sf('z') }}) end as p_value,
    {{ ml_monitor.evidence_note([('reference_rows is null or reference_rows = 0', 'no_reference')]) }} as evidence_note
from tested
