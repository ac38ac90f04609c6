{#- Counts of each value of each feature in one pass (GROUPING SETS, one set per feature),
    long format: feature, feature_type, value_number (numeric) or value_string
    (categorical; NULL counted as '__null__'). Numeric NULLs are left out: null fractions
    monitor them. `relation` must have model_id and the `group_columns`. -#}
{% macro feature_value_counts(relation, group_columns, specs) %}
  {%- set string = dbt.type_string() -%}
  {%- set double = ml_monitor.type_double() -%}
  {%- if specs | length == 0 %}
    {#- no features: no rows, the group columns typed as in `relation` -#}
    select {{ group_columns | join(', ') }},
           cast(null as {{ string }}) as feature, cast(null as {{ string }}) as feature_type,
           cast(null as {{ double }}) as value_number, cast(null as {{ string }}) as value_string,
           cast(0 as {{ dbt.type_bigint() }}) as n
    from {{ relation }}
    where 1 = 0
  {%- else %}
    select
        {{ group_columns | join(', ') }},
        case
            {%- for spec in specs %}
            when feature_{{ loop.index }}_rolled_up = 0 then {{ ml_monitor.string_literal(spec.name) }}
            {%- endfor %}
        end as feature,
        case
            {%- for spec in specs %}
            when feature_{{ loop.index }}_rolled_up = 0 then '{{ spec.kind }}'
            {%- endfor %}
        end as feature_type,
        case
            when 1 = 0 then cast(null as {{ double }})
            {%- for spec in specs %}{% if spec.kind == 'numeric' %}
            when feature_{{ loop.index }}_rolled_up = 0 then feature_{{ loop.index }}
            {%- endif %}{% endfor %}
        end as value_number,
        case
            when 1 = 0 then cast(null as {{ string }})
            {%- for spec in specs %}{% if spec.kind == 'categorical' %}
            when feature_{{ loop.index }}_rolled_up = 0 then feature_{{ loop.index }}
            {%- endif %}{% endfor %}
        end as value_string,
        n
    from (
        select
            {{ group_columns | join(', ') }},
            {%- for spec in specs %}
            feature_{{ loop.index }},
            grouping(feature_{{ loop.index }}) as feature_{{ loop.index }}_rolled_up,
            {%- endfor %}
            cast(count(*) as {{ dbt.type_bigint() }}) as n
        from (
            select
                {{ group_columns | join(', ') }},
                {%- for spec in specs %}
                {%- if spec.kind == 'numeric' %}
                cast({{ spec.expr }} as {{ double }}) as feature_{{ loop.index }}{{ "," if not loop.last }}
                {%- else %}
                coalesce(cast({{ spec.expr }} as {{ string }}), {{ ml_monitor.string_literal(ml_monitor.reserved_values().null) }}) as feature_{{ loop.index }}{{ "," if not loop.last }}
                {%- endif %}
                {%- endfor %}
            from {{ relation }}
        ) as feature_inputs
        group by grouping sets (
            {%- for spec in specs %}
            ({{ group_columns | join(', ') }}, feature_{{ loop.index }}){{ "," if not loop.last }}
            {%- endfor %}
        )
    ) as grouped
    where
        {%- for spec in specs %}
        (feature_{{ loop.index }}_rolled_up = 0 and feature_{{ loop.index }} is not null){{ " or" if not loop.last }}
        {%- endfor %}
  {%- endif %}
{% endmacro %}
