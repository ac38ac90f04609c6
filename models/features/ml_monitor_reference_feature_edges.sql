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

feature_values as (

    {%- for spec in numeric %}
    select model_id, {{ ml_monitor.string_literal(spec.name) }} as feature,
           cast({{ spec.expr }} as {{ ml_monitor.type_double() }}) as value_number
    from feature_rows
    {{ "union all" if not loop.last }}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as model_id, cast(null as {{ dbt.type_string() }}) as feature,
           cast(null as {{ ml_monitor.type_double() }}) as value_number
    where 1 = 0
    {%- endfor %}

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
