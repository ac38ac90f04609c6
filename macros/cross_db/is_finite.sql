{#- True when a number is finite; false or NULL for NULL, NaN, +Infinity and -Infinity (a
    condition for WHEN and WHERE, not a value). A non-finite feature value is no
    measurement — it would make every quantile and bin edge NaN — so staging reads it as
    missing. Any numeric type: integers and decimals are cast first (PostgreSQL's numeric
    holds NaN and Infinity too). -#}
{% macro is_finite(expr) %}
  {{- return(adapter.dispatch('is_finite', 'ml_monitor')('cast(' ~ expr ~ ' as ' ~ ml_monitor.type_double() ~ ')')) -}}
{% endmacro %}

{#- NaN compares false with every number on most engines; PostgreSQL and Spark instead sort
    NaN above +Infinity, which the upper bound excludes too. -#}
{% macro default__is_finite(expr) -%}
  {%- set infinity = "cast('Infinity' as " ~ ml_monitor.type_double() ~ ")" -%}
  ({{ expr }} > -{{ infinity }} and {{ expr }} < {{ infinity }})
{%- endmacro %}

{% macro duckdb__is_finite(expr) -%}
  isfinite({{ expr }})
{%- endmacro %}

{#- The number, or NULL when it is not finite: the value a monitor reads for a numeric feature. -#}
{% macro finite_or_null(expr) -%}
  case when {{ ml_monitor.is_finite(expr) }} then {{ expr }} end
{%- endmacro %}
