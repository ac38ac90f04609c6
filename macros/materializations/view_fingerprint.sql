{#- The fingerprint stored with a view (ml_monitor_view) and the one this run would store,
    as {'stored': ..., 'current': ...}, or none where views keep none (then they are
    re-created every run). -#}
{% macro view_fingerprint(relation, sql) %}
  {{- return(adapter.dispatch('view_fingerprint', 'ml_monitor')(relation, sql)) -}}
{% endmacro %}

{% macro default__view_fingerprint(relation, sql) %}
  {{- return(none) -}}
{% endmacro %}

{#- PostgreSQL binds a view to its tables when it is created and drops it with them, so the
    SQL is the whole fingerprint. -#}
{% macro postgres__view_fingerprint(relation, sql) %}
  {%- set result = run_query(
        "select obj_description(c.oid, 'pg_class') from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        ~ " where n.nspname = " ~ ml_monitor.string_literal(relation.schema)
        ~ " and c.relname = " ~ ml_monitor.string_literal(relation.identifier)) -%}
  {{- return({'stored': result.rows[0][0] if result.rows else none, 'current': 'ml_monitor_view ' ~ local_md5(sql)}) -}}
{% endmacro %}

{#- DuckDB (before 2.0) binds a view when it is queried and fails if the column types it reads
    are no longer the ones it was created with (a table rebuilt with other types, a log
    reloaded): the column types of the relations it reads are part of the fingerprint. The
    labels table and the fitted outputs, read by name, are cast to fixed types. -#}
{% macro duckdb__view_fingerprint(relation, sql) %}
  {%- set names = [] -%}
  {%- for upstream in ml_monitor.upstream_relations(model) -%}
    {%- do names.append(ml_monitor.string_literal([upstream.database, upstream.schema, upstream.identifier] | join('.'))) -%}
  {%- endfor -%}
  {%- set result = run_query(
        "select (select comment from duckdb_views() where database_name = " ~ ml_monitor.string_literal(relation.database)
        ~ " and schema_name = " ~ ml_monitor.string_literal(relation.schema)
        ~ " and view_name = " ~ ml_monitor.string_literal(relation.identifier) ~ "), "
        ~ "(select md5(coalesce(string_agg(database_name || '.' || schema_name || '.' || table_name || '.' || column_name"
        ~ " || ' ' || data_type, ',' order by database_name, schema_name, table_name, column_index), ''))"
        ~ " from duckdb_columns() where database_name || '.' || schema_name || '.' || table_name in ("
        ~ (names | join(', ') or "''") ~ "))") -%}
  {{- return({'stored': result.rows[0][0], 'current': 'ml_monitor_view ' ~ local_md5(sql) ~ ' ' ~ result.rows[0][1]}) -}}
{% endmacro %}
