{#- A string as a sort key that orders by code point on every warehouse, so a tie-break
    picks the same row everywhere: PostgreSQL sorts text by the database's locale (en_US
    puts 'b' before 'C'; C puts 'C' first), DuckDB and Spark by code point. -#}
{% macro binary_order(expr) %}
  {{- return(adapter.dispatch('binary_order', 'ml_monitor')(expr)) -}}
{% endmacro %}

{% macro default__binary_order(expr) -%}
  {{ expr }}
{%- endmacro %}

{% macro postgres__binary_order(expr) -%}
  ({{ expr }}) collate "C"
{%- endmacro %}
