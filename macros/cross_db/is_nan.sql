{#- True when a double is NaN (NaN compares unlike NULL, so range checks miss it). -#}
{% macro is_nan(expr) %}
  {{- return(adapter.dispatch('is_nan', 'ml_monitor')(expr)) -}}
{% endmacro %}

{% macro default__is_nan(expr) -%}
  ({{ expr }} <> {{ expr }})
{%- endmacro %}

{% macro duckdb__is_nan(expr) -%}
  isnan({{ expr }})
{%- endmacro %}

{% macro postgres__is_nan(expr) -%}
  ({{ expr }} = 'NaN'::double precision)
{%- endmacro %}

{% macro spark__is_nan(expr) -%}
  isnan({{ expr }})
{%- endmacro %}
