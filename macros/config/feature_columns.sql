{% macro feature_columns() %}
  {{- return(var('ml_monitor_features', []) or []) -}}
{% endmacro %}
