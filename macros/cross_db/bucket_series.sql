{#- A set-returning select-list expression: every bucket start from first to last, inclusive. -#}
{% macro bucket_series(first_expr, last_expr) %}
  {{- return(adapter.dispatch('bucket_series', 'ml_monitor')(first_expr, last_expr, ml_monitor.time_grain())) -}}
{% endmacro %}

{% macro default__bucket_series(first_expr, last_expr, grain) -%}
  generate_series({{ first_expr }}, {{ last_expr }}, interval '1 {{ grain }}')
{%- endmacro %}

{% macro duckdb__bucket_series(first_expr, last_expr, grain) -%}
  unnest(generate_series({{ first_expr }}, {{ last_expr }}, interval '1 {{ grain }}'))
{%- endmacro %}

{% macro spark__bucket_series(first_expr, last_expr, grain) -%}
  explode(sequence({{ first_expr }}, {{ last_expr }}, interval 1 {{ grain }}))
{%- endmacro %}
