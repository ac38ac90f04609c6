{#- Cohort columns from ml_monitor_cohorts, in order. Downstream SQL refers to them
    positionally (cohort_1, cohort_2, ...) so user names never appear unquoted. -#}
{% macro cohort_columns() %}
  {{- return(ml_monitor.setting('ml_monitor_cohorts') or []) -}}
{% endmacro %}
