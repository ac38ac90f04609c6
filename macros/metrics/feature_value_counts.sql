{#- Counts of each value of each feature, long format: cohort_name, cohort_value ('__all__'
    for the whole population, as ml_monitor.cohort_name_value), feature, feature_type,
    value_number (numeric) or value_string (categorical; NULL counted as '__null__').
    Numeric NULLs are left out: null fractions monitor them. A feature that is also a cohort
    column is not counted within its own cohorts (each would hold one value).
    Two steps: one pass over the rows counts each feature's values by every cohort column
    at once (GROUPING SETS, one set per feature), and the population's and each cohort
    column's counts are sums of those, every feature's in one more aggregate (a read of the
    first step per feature made Spark, which computes a CTE at each reference, count the
    rows once per feature: five times the cost on the demo). Reading the rows once per feature rather than once
    per feature and cohort column (plus one) is most of the cost saved: the counts are far
    fewer than the rows for all but near-continuous features. Integer sums: exact.
    A query that opens with WITH: use it as a subquery. `relation` must have model_id, the
    `group_columns` and the cohort columns. -#}
{% macro feature_value_counts(relation, group_columns, specs) %}
  {%- set string = dbt.type_string() -%}
  {%- set double = ml_monitor.type_double() -%}
  {%- set bigint = dbt.type_bigint() -%}
  {%- if specs | length == 0 %}
    {#- no features: no rows, the group columns typed as in `relation` -#}
    select {{ group_columns | join(', ') }},
           cast(null as {{ string }}) as cohort_name, cast(null as {{ string }}) as cohort_value,
           cast(null as {{ string }}) as feature, cast(null as {{ string }}) as feature_type,
           cast(null as {{ double }}) as value_number, cast(null as {{ string }}) as value_string,
           cast(0 as {{ bigint }}) as n
    from {{ relation }}
    where 1 = 0
  {%- else %}
    {%- set cohorts = [] -%}
    {%- for name in ml_monitor.cohort_columns() %}{% do cohorts.append('cohort_' ~ loop.index) %}{% endfor -%}
    {#- narrow rows (the feature's number, its value in one of two columns): the engine may
        keep them all for the second step's reads -#}
    with fine_counts as (

        select
            {{ group_columns | join(', ') }},
            case
                {%- for spec in specs %}
                when grouping(feature_{{ loop.index }}) = 0 then {{ loop.index }}
                {%- endfor %}
            end as feature_index,
            {%- for kind, type, column in [('numeric', double, 'value_number'), ('categorical', string, 'value_string')] %}
            case
                when 1 = 0 then cast(null as {{ type }})
                {%- for spec in specs %}{% if spec.kind == kind %}
                when grouping(feature_{{ loop.index }}) = 0 then feature_{{ loop.index }}
                {%- endif %}{% endfor %}
            end as {{ column }},
            {%- endfor %}
            {%- for cohort in cohorts %}
            {{ cohort }},
            {%- endfor %}
            count(*) as n
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
            {%- for spec in specs %}
            ({{ (group_columns + ['feature_' ~ loop.index] + cohorts) | join(', ') }}){{ "," if not loop.last }}
            {%- endfor %}
        )

    )
    {%- set sets = ['(' ~ (group_columns + ['feature_index', 'value_number', 'value_string']) | join(', ') ~ ')'] -%}
    {%- for name in ml_monitor.cohort_columns() -%}
      {%- do sets.append('(' ~ (group_columns + ['feature_index', 'value_number', 'value_string', 'cohort_'
                                               ~ loop.index]) | join(', ') ~ ')') -%}
    {%- endfor %}

    select
        {{ group_columns | join(', ') }},
        {{ ml_monitor.cohort_name_value() }},
        case feature_index
            {%- for spec in specs %}
            when {{ loop.index }} then {{ ml_monitor.string_literal(spec.name) }}
            {%- endfor %}
        end as feature,
        case feature_index
            {%- for spec in specs %}
            when {{ loop.index }} then '{{ spec.kind }}'
            {%- endfor %}
        end as feature_type,
        value_number,
        value_string,
        cast(n as {{ bigint }}) as n
    from (
        select
            {{ group_columns | join(', ') }},
            feature_index,
            value_number,
            value_string,
            {{- ml_monitor.cohort_grouping_columns() }}
            sum(n) as n
        from fine_counts
        where value_number is not null or value_string is not null
        group by grouping sets (
            {{ sets | join(',\n            ') }}
        )
    ) as counts
    {#- a feature that is also a cohort column, not within its own cohorts #}
    where 1 = 1
    {%- for name in ml_monitor.cohort_columns() %}{% set cohort = loop.index %}
    {%- for spec in specs %}{% if spec.name == name %}
        and not (feature_index = {{ loop.index }} and cohort_{{ cohort }}_rolled_up = 0)
    {%- endif %}{% endfor %}
    {%- endfor %}
  {%- endif %}
{% endmacro %}
