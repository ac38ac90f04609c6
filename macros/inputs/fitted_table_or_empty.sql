{#- Select the given columns from a table the CLI writes, or an empty relation with the
    same columns when it does not exist yet. columns: [(name, sql type)]. -#}
{% macro fitted_table_or_empty(identifier, columns) %}
  {%- set relation = ml_monitor.python_output(identifier) -%}
  {%- if relation is not none -%}
    select
        {%- for name, type in columns %} cast({{ name }} as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
  {%- else -%}
    select {% for name, type in columns %}cast(null as {{ type }}) as {{ name }}{{ ", " if not loop.last }}{% endfor %}
    where 1 = 0
  {%- endif -%}
{% endmacro %}
