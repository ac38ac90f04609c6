{#- Columns of an input relation at run time (empty while dbt parses). A missing table is
    a clear error rather than a database message. -#}
{% macro relation_columns(relation) %}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema,
      identifier=relation.identifier) -%}
  {%- if found is none -%}
    {{ exceptions.raise_compiler_error("ml_monitor: input table " ~ relation
        ~ " does not exist; check vars ml_monitor_source_schema, ml_monitor_predictions_table"
        ~ " and ml_monitor_reference_table") }}
  {%- endif -%}
  {{- return(adapter.get_columns_in_relation(found)) -}}
{% endmacro %}
