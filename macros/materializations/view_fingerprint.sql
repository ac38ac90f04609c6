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
  {{- return({'stored': ml_monitor.stored_fingerprints([relation])[0], 'current': 'ml_monitor ' ~ local_md5(sql)}) -}}
{% endmacro %}

{#- DuckDB (before 2.0) binds a view when it is queried and fails if the column types it reads
    are no longer the ones it was created with (a table rebuilt with other types, a log
    reloaded): the column types of the relations it reads are part of the fingerprint. The
    labels table and the fitted outputs, read by name, are cast to fixed types. -#}
{% macro duckdb__view_fingerprint(relation, sql) %}
  {%- set result = run_query(
        "select (select comment from duckdb_views() where database_name || '.' || schema_name || '.' || view_name = "
        ~ ml_monitor.string_literal([relation.database, relation.schema, relation.identifier] | join('.')) ~ "), "
        ~ "(select md5(coalesce(string_agg(database_name || '.' || schema_name || '.' || table_name || '.' || column_name"
        ~ " || ' ' || data_type, ',' order by database_name, schema_name, table_name, column_index), ''))"
        ~ " from duckdb_columns() where database_name || '.' || schema_name || '.' || table_name in "
        ~ ml_monitor.relation_names_sql(ml_monitor.upstream_relations(model)) ~ ")") -%}
  {{- return({'stored': result.rows[0][0], 'current': 'ml_monitor ' ~ local_md5(sql) ~ ' ' ~ result.rows[0][1]}) -}}
{% endmacro %}
