{#- The user's column for a canonical column: ml_monitor_columns maps canonical -> user name. -#}
{% macro column_name(canonical) %}
  {{- return((var('ml_monitor_columns', {}) or {}).get(canonical, canonical)) -}}
{% endmacro %}
