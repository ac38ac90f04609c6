{#- Identifies the fitted thresholds and calibration in use, so that base buckets computed
    with older fits are recomputed after a refit. -#}
{% macro fit_version() %}
  {%- set parts = [] -%}
  {%- for name in ['ml_monitor_thresholds', 'ml_monitor_calibration'] -%}
    {%- set relation = ml_monitor.python_output(name) -%}
    {%- if relation is not none -%}
      {%- set result = run_query("select cast(max(fitted_at) as " ~ dbt.type_string() ~ "), count(*) from " ~ relation) -%}
      {%- do parts.append(name ~ '@' ~ result.columns[0].values()[0] ~ '#' ~ result.columns[1].values()[0]) -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return(parts | join(';') or 'none') -}}
{% endmacro %}
