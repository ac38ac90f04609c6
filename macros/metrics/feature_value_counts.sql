{#- Counts of each value of each feature in one pass (GROUPING SETS: one set per feature,
    and one per feature and cohort column), long format: cohort_name, cohort_value
    ('__all__' for the whole population, as ml_monitor.cohort_name_value), feature,
    feature_type, value_number (numeric) or value_string (categorical; NULL counted as
    '__null__'). Numeric NULLs are left out: null fractions monitor them. A feature that is
    also a cohort column is not counted within its own cohorts (each would hold one value).
    `relation` must have model_id, the `group_columns` and the cohort columns. -#}
{% macro feature_value_counts(relation, group_columns, specs) %}
  {%- set string = dbt.type_string() -%}
  {%- set double = ml_monitor.type_double() -%}
  {%- if specs | length == 0 %}
    {#- no features: no rows, the group columns typed as in `relation` -#}
    select {{ group_columns | join(', ') }},
           cast(null as {{ string }}) as cohort_name, cast(null as {{ string }}) as cohort_value,
           cast(null as {{ string }}) as feature, cast(null as {{ string }}) as feature_type,
           cast(null as {{ double }}) as value_number, cast(null as {{ string }}) as value_string,
           cast(0 as {{ dbt.type_bigint() }}) as n
    from {{ relation }}
    where 1 = 0
  {%- else %}
    {%- set sets = [] -%}
    {%- for spec in specs -%}
      {%- set feature = 'feature_' ~ loop.index -%}
      {%- do sets.append('(' ~ (group_columns + [feature]) | join(', ') ~ ')') -%}
      {%- for name in ml_monitor.cohort_columns() -%}
        {%- if name != spec.name -%}
          {%- do sets.append('(' ~ (group_columns + [feature, 'cohort_' ~ loop.index]) | join(', ') ~ ')') -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endfor %}
    select
        {{ group_columns | join(', ') }},
        {{ ml_monitor.cohort_name_value() }},
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
            {{- ml_monitor.cohort_grouping_columns() }}
            cast(count(*) as {{ dbt.type_bigint() }}) as n
        from (
            select
                {{ group_columns | join(', ') }},
                {{- ml_monitor.cohort_input_columns() }}
                {%- for spec in specs %}
                {%- if spec.kind == 'numeric' %}
                cast({{ spec.expr }} as {{ double }}) as feature_{{ loop.index }}{{ "," if not loop.last }}
                {%- else %}
                coalesce(cast({{ spec.expr }} as {{ string }}),
                    {{ ml_monitor.string_literal(ml_monitor.reserved_values().null) }})
                    as feature_{{ loop.index }}{{ "," if not loop.last }}
                {%- endif %}
                {%- endfor %}
            from {{ relation }}
        ) as feature_inputs
        group by grouping sets (
            {{ sets | join(',\n            ') }}
        )
    ) as grouped
    where
        {%- for spec in specs %}
        (feature_{{ loop.index }}_rolled_up = 0 and feature_{{ loop.index }} is not null){{ " or" if not loop.last }}
        {%- endfor %}
  {%- endif %}
{% endmacro %}
