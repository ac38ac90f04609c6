{#- The index-th element (1-based) of an array expression. -#}
{% macro array_element(expr, index) %}
  {{- return(adapter.dispatch('array_element', 'ml_monitor')(expr, index)) -}}
{% endmacro %}

{% macro default__array_element(expr, index) -%}
  ({{ expr }})[{{ index }}]
{%- endmacro %}

{% macro spark__array_element(expr, index) -%}
  element_at({{ expr }}, {{ index }})
{%- endmacro %}
