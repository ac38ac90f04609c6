{#- Number of ASCII upper-case letters in a string. -#}
{% macro count_uppercase(expr) %}
  {{- return(adapter.dispatch('count_uppercase', 'ml_monitor')(expr)) -}}
{% endmacro %}

{% macro default__count_uppercase(expr) -%}
  length(regexp_replace({{ expr }}, '[^A-Z]', '', 'g'))
{%- endmacro %}

{% macro spark__count_uppercase(expr) -%}
  length(regexp_replace({{ expr }}, '[^A-Z]', ''))
{%- endmacro %}
