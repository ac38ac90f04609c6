{#- Exact percentiles with linear interpolation (numpy's default), as one aggregate that
    returns an array: one sort of the group serves every fraction. Read the values with
    ml_monitor.array_element (1-based). -#}
{% macro percentiles_cont(expr, fractions) %}
  {{- return(adapter.dispatch('percentiles_cont', 'ml_monitor')(expr, fractions)) -}}
{% endmacro %}

{% macro default__percentiles_cont(expr, fractions) -%}
  percentile_cont(array[{{ fractions | join(', ') }}]) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__percentiles_cont(expr, fractions) -%}
  quantile_cont({{ expr }}, [{{ fractions | join(', ') }}])
{%- endmacro %}

{% macro spark__percentiles_cont(expr, fractions) -%}
  percentile({{ expr }}, array({{ fractions | join(', ') }}))
{%- endmacro %}
