{#- The config_version a row stores (ml_monitor.stored_config_version), as a SQL literal: the
    value of every incremental table's config_version column. -#}
{% macro config_version_literal(config_version) %}
  {{- return(ml_monitor.string_literal(ml_monitor.stored_config_version(config_version))) -}}
{% endmacro %}
