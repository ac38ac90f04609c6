{#- A SQL string literal for a name that comes from configuration (never for data values). -#}
{% macro string_literal(value) %}
  {{- return(adapter.dispatch('string_literal', 'ml_monitor')(value)) -}}
{% endmacro %}

{% macro default__string_literal(value) -%}
  '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__string_literal(value) -%}
  '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
