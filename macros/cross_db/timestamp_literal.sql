{#- A timestamp read back from the warehouse (a Python datetime or date) as a SQL literal, to
    compare a column with it so that the engine can skip older blocks. -#}
{% macro timestamp_literal(value) %}
  {{- return('cast(' ~ ml_monitor.string_literal(value.strftime('%Y-%m-%d %H:%M:%S')) ~ ' as '
      ~ dbt.type_timestamp() ~ ')') -}}
{% endmacro %}
