{#- The form of ml_monitor.config_version each row stores (column config_version): every
    part's digest, the first 8 hex digits of the md5 of its 'name=<md5 of its value>', in the
    text's order, joined by '.'. Short because every row of an incremental table holds it:
    the whole text (about 250 characters) cost DuckDB 2.3 s of CPU per 10 M rows written.
    ml_monitor.base_is_stale names the parts that changed by matching their digests. -#}
{% macro stored_config_version(config_version) %}
  {%- set digests = [] -%}
  {%- for part in config_version.split(';') %}{% do digests.append(local_md5(part)[:8]) %}{% endfor -%}
  {{- return(digests | join('.')) -}}
{% endmacro %}
