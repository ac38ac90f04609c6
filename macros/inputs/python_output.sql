{#- A table the ml-monitor CLI writes, or none before it has run. Models fall back (default
    threshold, no calibration) and say so in a column. The CLI writes its tables beside
    ml_monitor_alerts, wherever dbt places that model (+schema, generate_schema_name), and
    finds the place in dbt's manifest; this looks in the same place, whichever model asks. -#}
{% macro python_output(identifier) %}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}
  {%- set beside = graph.nodes['model.ml_monitor.ml_monitor_alerts'] -%}
  {{- return(adapter.get_relation(database=beside.database, schema=beside.schema, identifier=identifier)) -}}
{% endmacro %}
