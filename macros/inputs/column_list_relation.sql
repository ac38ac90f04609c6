{#- A relation (column_name, data_type) listing columns known at compile time, minus ignored
    names (lower case); typed and empty when there are none. data_type is the type as the
    warehouse names it (dtype: DuckDB's VARCHAR), not dbt's rendering of it (data_type:
    "character varying(256)"). -#}
{% macro column_list_relation(columns, ignored) %}
  {%- set string = dbt.type_string() -%}
  {%- set kept = [] -%}
  {%- for column in columns if column.name | lower not in ignored -%}{%- do kept.append(column) -%}{%- endfor -%}
  {%- for column in kept %}
    select cast({{ ml_monitor.string_literal(column.name) }} as {{ string }}) as column_name,
           cast({{ ml_monitor.string_literal(column.dtype) }} as {{ string }}) as data_type
    {{ "union all" if not loop.last }}
  {%- else %}
    select cast(null as {{ string }}) as column_name, cast(null as {{ string }}) as data_type where 1 = 0
  {%- endfor %}
{% endmacro %}
