{#- Bin edges of each numeric feature in the reference split, per model: its minimum, its
    deciles (linear interpolation, as numpy's percentile) and its maximum. -#}
{{ config(materialized='ml_monitor_reference_table') }}
{%- set numeric = [] -%}
{%- for spec in ml_monitor.feature_specs() if spec.kind == 'numeric' -%}{%- do numeric.append(spec) -%}{%- endfor -%}

with reference_rows as (

    select *
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_reference_split')) }}

),

feature_rows as (

    {{ ml_monitor.with_text_statistics('reference_rows') }}

),

-- one row per row and numeric feature, from one read of feature_rows (Spark would compute
-- the text statistics again for each feature that a union of reads named)
numeric_features as (

    {%- for spec in numeric %}
    select {{ loop.index }} as feature_index, {{ ml_monitor.string_literal(spec.name) }} as feature
    {{ "union all" if not loop.last }}
    {%- else %}
    select 0 as feature_index, cast(null as {{ dbt.type_string() }}) as feature
    where 1 = 0
    {%- endfor %}

),

feature_values as (

    select
        r.model_id,
        f.feature,
        case
            when 1 = 0 then cast(null as {{ ml_monitor.type_double() }})
            {%- for spec in numeric %}
            when f.feature_index = {{ loop.index }} then cast(r.{{ spec.expr }} as {{ ml_monitor.type_double() }})
            {%- endfor %}
        end as value_number
    from feature_rows as r
    cross join numeric_features as f

),

deciles as (

    select
        model_id,
        feature,
        min(value_number) as edge_0,
        {{ ml_monitor.percentiles_cont('value_number', [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) }} as inner_edges,
        max(value_number) as edge_10
    from feature_values
    where value_number is not null
    group by model_id, feature

)

select
    model_id,
    feature,
    edge_0,
    {%- for decile in range(1, 10) %}
    {{ ml_monitor.array_element('inner_edges', decile) }} as edge_{{ decile }},
    {%- endfor %}
    edge_10
from deciles
