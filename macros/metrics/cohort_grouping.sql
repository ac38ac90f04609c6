{#- Long-format cohorts from one GROUP BY: the input has positional cohort columns
    cohort_1..cohort_k (see cohort_columns); every grouping set is the keys alone (the whole
    population) or the keys plus one cohort column. -#}

{% macro cohort_grouping_sets(key_sets) -%}
  {%- set sets = [] -%}
  {%- for keys in key_sets -%}
    {%- do sets.append('(' ~ keys | join(', ') ~ ')') -%}
    {%- for name in ml_monitor.cohort_columns() -%}
      {%- do sets.append('(' ~ (keys + ['cohort_' ~ loop.index]) | join(', ') ~ ')') -%}
    {%- endfor -%}
  {%- endfor -%}
  grouping sets (
        {{ sets | join(',\n        ') }}
    )
{%- endmacro %}

{#- The grouped cohort columns and whether each was rolled up (select list of the GROUP BY). -#}
{% macro cohort_grouping_columns() -%}
  {%- for name in ml_monitor.cohort_columns() %}
        cohort_{{ loop.index }},
        grouping(cohort_{{ loop.index }}) as cohort_{{ loop.index }}_rolled_up,
  {%- endfor %}
{%- endmacro %}

{#- cohort_name and cohort_value of a grouped row ('__all__' for the whole population). -#}
{% macro cohort_name_value() -%}
  {%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
  {%- if not ml_monitor.cohort_columns() -%}
    {#- no cohorts configured: every row is the whole population (a CASE needs a WHEN) -#}
    {{ all }} as cohort_name,
    {{ all }} as cohort_value
  {%- else %}
    case
        {%- for name in ml_monitor.cohort_columns() %}
        when cohort_{{ loop.index }}_rolled_up = 0 then {{ ml_monitor.string_literal(name) }}
        {%- endfor %}
        else {{ all }}
    end as cohort_name,
    case
        {%- for name in ml_monitor.cohort_columns() %}
        when cohort_{{ loop.index }}_rolled_up = 0 then cohort_{{ loop.index }}
        {%- endfor %}
        else {{ all }}
    end as cohort_value
  {%- endif %}
{%- endmacro %}

{#- The positional cohort columns of an input row, as strings ('__null__' for NULL). -#}
{% macro cohort_input_columns() -%}
  {%- for name in ml_monitor.cohort_columns() %}
        coalesce(cast({{ ml_monitor.quote_identifier(name) }} as {{ dbt.type_string() }}),
            {{ ml_monitor.string_literal(ml_monitor.reserved_values().null) }}) as cohort_{{ loop.index }},
  {%- endfor %}
{%- endmacro %}
