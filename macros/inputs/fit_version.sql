{#- Identifies the fitted thresholds and calibration in use (their fit time and size), so
    that base buckets computed with an older fit are recomputed after a refit. -#}
{% macro fit_version() %}
  {%- set parts = [] -%}
  {%- for name in ['ml_monitor_thresholds', 'ml_monitor_calibration'] -%}
    {%- set relation = ml_monitor.python_output(name) -%}
    {%- if relation is not none -%}
      {%- set has_fit_time = adapter.get_columns_in_relation(relation)
            | selectattr('name', 'equalto', 'fitted_at') | list | length > 0 -%}
      {%- set fit_time = 'cast(max(fitted_at) as ' ~ dbt.type_string() ~ ')' if has_fit_time else "'unknown'" -%}
      {%- set result = run_query("select " ~ fit_time ~ ", count(*) from " ~ relation) -%}
      {%- do parts.append(name ~ '@' ~ result.columns[0].values()[0] ~ '#' ~ result.columns[1].values()[0]) -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return(parts | join(';') or 'none') -}}
{% endmacro %}
