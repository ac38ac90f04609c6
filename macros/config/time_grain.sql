{#- The bucket grain, validated once so every model fails with the same clear message. -#}
{% macro time_grain() %}
  {%- set grain = ml_monitor.setting('ml_monitor_time_grain') -%}
  {%- if grain not in ['hour', 'day', 'week'] -%}
    {{ exceptions.raise_compiler_error("var ml_monitor_time_grain must be hour, day or week, got '" ~ grain ~ "'") }}
  {%- endif -%}
  {{- return(grain) -}}
{% endmacro %}
