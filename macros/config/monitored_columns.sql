{#- Every configured input column whose nulls are monitored: cohorts, features, text, embedding. -#}
{% macro monitored_columns() %}
  {%- set names = [] -%}
  {%- for name in ml_monitor.cohort_columns() + ml_monitor.feature_columns()
        + [ml_monitor.setting('ml_monitor_text_column'), ml_monitor.setting('ml_monitor_embedding_column')] -%}
    {%- if name and name not in names -%}{%- do names.append(name) -%}{%- endif -%}
  {%- endfor -%}
  {{- return(names) -}}
{% endmacro %}
