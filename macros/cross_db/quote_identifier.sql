{#- Quote a column name from configuration; embedded quote characters are doubled, so any
    name (spaces, quotes, reserved words, mixed case) is one safe identifier. -#}
{% macro quote_identifier(name) %}
  {{- return(adapter.dispatch('quote_identifier', 'ml_monitor')(name)) -}}
{% endmacro %}

{% macro default__quote_identifier(name) -%}
  "{{ name | string | replace('"', '""') }}"
{%- endmacro %}

{% macro spark__quote_identifier(name) -%}
  `{{ name | string | replace('`', '``') }}`
{%- endmacro %}
