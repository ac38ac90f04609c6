{#- The user's column for a canonical column: a mapping var (ml_monitor_columns for the serving
    log and the reference, ml_monitor_label_columns for the labels) maps canonical -> user name. -#}
{% macro column_name(canonical, mapping_var='ml_monitor_columns') %}
  {{- return((ml_monitor.setting(mapping_var) or {}).get(canonical, canonical)) -}}
{% endmacro %}
