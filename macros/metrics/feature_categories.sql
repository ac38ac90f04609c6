{#- The categories drift is measured over, from feature value counts (`values`: the long format
    of ml_monitor.feature_value_counts, grouped by `keys`): a numeric value's bin (-1 below the
    reference minimum, 0 to 9 the reference deciles, 10 above the maximum: edges from
    ml_monitor_reference_feature_edges) or a categorical value itself. One row per `keys`,
    feature and category, with its count n. -#}
{% macro feature_categories(values, keys) %}
  {%- set group_columns = (keys + ['feature']) | join(', ') -%}
    select {{ group_columns }}, cast(bin as {{ dbt.type_string() }}) as category, sum(n) as n
    from (
        select
            v.*,
            case
                when v.value_number < e.edge_0 then -1
                when v.value_number > e.edge_10 then 10
                {%- for decile in range(9, 0, -1) %}
                when v.value_number >= e.edge_{{ decile }} then {{ decile }}
                {%- endfor %}
                else 0
            end as bin
        from {{ values }} as v
        inner join {{ ref('ml_monitor_reference_feature_edges') }} as e
            on e.model_id = v.model_id and e.feature = v.feature
        where v.feature_type = 'numeric'
    ) as binned
    group by {{ group_columns }}, bin
    union all
    select {{ group_columns }}, value_string, n
    from {{ values }} as v
    where v.feature_type = 'categorical'
{% endmacro %}
