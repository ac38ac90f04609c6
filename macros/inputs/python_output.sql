{#- A table the ml-monitor CLI writes into the models' schema, or none before it has run.
    Models fall back (default threshold, no calibration) and say so in a column. -#}
{% macro python_output(identifier) %}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}
  {{- return(adapter.get_relation(database=this.database, schema=this.schema, identifier=identifier)) -}}
{% endmacro %}
