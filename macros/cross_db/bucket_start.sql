{#- Start of the time bucket (ml_monitor_time_grain, or `grain`) holding a UTC timestamp.
    Weeks start on Monday. -#}
{% macro bucket_start(timestamp_expr, grain=none) %}
  {{- return(adapter.dispatch('bucket_start', 'ml_monitor')(timestamp_expr, grain or ml_monitor.time_grain())) -}}
{% endmacro %}

{% macro default__bucket_start(timestamp_expr, grain) -%}
  cast({{ dbt.date_trunc(grain, timestamp_expr) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}
