{#- Exact percentile with linear interpolation (numpy's default), as an aggregate. -#}
{% macro percentile_cont(expr, fraction) %}
  {{- return(adapter.dispatch('percentile_cont', 'ml_monitor')(expr, fraction)) -}}
{% endmacro %}

{% macro default__percentile_cont(expr, fraction) -%}
  percentile_cont({{ fraction }}) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__percentile_cont(expr, fraction) -%}
  quantile_cont({{ expr }}, {{ fraction }})
{%- endmacro %}

{% macro spark__percentile_cont(expr, fraction) -%}
  percentile({{ expr }}, {{ fraction }})
{%- endmacro %}
