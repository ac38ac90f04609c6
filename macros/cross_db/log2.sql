{% macro log2(expr) %}
  {{- return(adapter.dispatch('log2', 'ml_monitor')(expr)) -}}
{% endmacro %}

{% macro default__log2(expr) -%}
  (ln({{ expr }}) / ln(2.0))
{%- endmacro %}
