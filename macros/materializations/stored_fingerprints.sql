{#- The fingerprints kept in the comments of `relations` (ml_monitor_view,
    ml_monitor_reference_table), in their order, none for a relation without one (or
    missing); none where the warehouse keeps none. views_only: every relation is a view
    (DuckDB then reads the views' catalog alone: its tables' catalog sizes every table,
    three times the cost of a query made by each unchanged view in every run). -#}
{% macro stored_fingerprints(relations, views_only=false) %}
  {{- return(adapter.dispatch('stored_fingerprints', 'ml_monitor')(relations, views_only)) -}}
{% endmacro %}

{% macro default__stored_fingerprints(relations, views_only) %}
  {{- return(none) -}}
{% endmacro %}

{% macro duckdb__stored_fingerprints(relations, views_only) %}
  {%- set result = run_query(
        "select database_name || '.' || schema_name || '.' || relation_name, comment from ("
        ~ "select database_name, schema_name, view_name as relation_name, comment from duckdb_views()"
        ~ ("" if views_only else " union all select database_name, schema_name, table_name, comment from duckdb_tables()")
        ~ ") as relations"
        ~ " where database_name || '.' || schema_name || '.' || relation_name in " ~ ml_monitor.relation_names_sql(relations)) -%}
  {{- return(ml_monitor.in_order_of(relations, result)) -}}
{% endmacro %}

{% macro postgres__stored_fingerprints(relations, views_only) %}
  {%- set result = run_query(
        "select current_database() || '.' || n.nspname || '.' || c.relname, obj_description(c.oid, 'pg_class')"
        ~ " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        ~ " where current_database() || '.' || n.nspname || '.' || c.relname in " ~ ml_monitor.relation_names_sql(relations)) -%}
  {{- return(ml_monitor.in_order_of(relations, result)) -}}
{% endmacro %}

{#- The second column of `result` (rows of 'database.schema.name', value) for each of
    `relations`, none where it has no row. -#}
{% macro in_order_of(relations, result) %}
  {%- set by_name = {} -%}
  {%- for row in result.rows -%}{%- do by_name.update({row[0]: row[1]}) -%}{%- endfor -%}
  {%- set values = [] -%}
  {%- for relation in relations -%}
    {%- do values.append(by_name.get([relation.database, relation.schema, relation.identifier] | join('.'))) -%}
  {%- endfor -%}
  {{- return(values) -}}
{% endmacro %}
