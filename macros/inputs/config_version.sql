{#- What an incremental table's rows are computed with, as one text: 'name=<md5 of its
    value>' per part, sorted. Each row stores its digests (ml_monitor.stored_config_version),
    from which a later run names the parts that changed (ml_monitor.base_is_stale). The parts: the vars that
    decide which log rows are read and how they become a model's buckets, the table's own
    `var_names`, and `versions` of the data it was computed against (a fit, a reference). -#}
{% macro config_version(var_names, versions={}) %}
  {%- set parts = {} -%}
  {%- do parts.update(versions) -%}
  {%- for name in ['ml_monitor_source_database', 'ml_monitor_source_schema', 'ml_monitor_predictions_table',
                   'ml_monitor_columns', 'ml_monitor_default_model_id', 'ml_monitor_time_grain'] + var_names -%}
    {%- do parts.update({name: ml_monitor.setting(name)}) -%}
  {%- endfor -%}
  {%- set hashed = [] -%}
  {%- for name in parts | sort -%}
    {%- do hashed.append(name ~ '=' ~ local_md5(tojson(parts[name], sort_keys=true))[:12]) -%}
  {%- endfor -%}
  {{- return(hashed | join(';')) -}}
{% endmacro %}
