{#- Percentiles from a bounded-memory sketch, as one aggregate that returns an array (read it
    with ml_monitor.array_element): for logs whose groups are too large to hold in memory,
    which exact percentiles need (var ml_monitor_percentiles = 'approximate'). Engines
    without a sketch compute them exactly. -#}
{% macro approx_percentiles(expr, fractions) %}
  {{- return(adapter.dispatch('approx_percentiles', 'ml_monitor')(expr, fractions)) -}}
{% endmacro %}

{% macro default__approx_percentiles(expr, fractions) -%}
  {{ ml_monitor.percentiles_cont(expr, fractions) }}
{%- endmacro %}

{% macro duckdb__approx_percentiles(expr, fractions) -%}
  approx_quantile({{ expr }}, [{{ fractions | join(', ') }}])
{%- endmacro %}

{% macro spark__approx_percentiles(expr, fractions) -%}
  percentile_approx({{ expr }}, array({{ fractions | join(', ') }}))
{%- endmacro %}
