{#- Whether an adapter column holds numbers. dbt's is_number() misses parameterised
    decimals (DuckDB reports DECIMAL(18,3), Spark decimal(10,2)). -#}
{% macro is_numeric_column(column) %}
  {%- set data_type = column.data_type | lower -%}
  {{- return(column.is_number() or data_type.startswith('decimal') or data_type.startswith('numeric')) -}}
{% endmacro %}
