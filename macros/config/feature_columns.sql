{% macro feature_columns() %}
  {{- return(ml_monitor.setting('ml_monitor_features') or []) -}}
{% endmacro %}
