{#- The fingerprints kept in the comments of `relations` (ml_monitor_view,
    ml_monitor_reference_table, the tables incremental by bucket), in their order, none for a
    relation without one (or missing); none where the warehouse keeps none. Views are looked
    up first: views_only (every relation is a view) never reads the tables' catalog, which on
    DuckDB sizes every table. -#}
{% macro stored_fingerprints(relations, views_only=false) %}
  {%- set values = [] -%}
  {%- for relation in relations -%}
    {%- set found = namespace(comment=none) -%}
    {%- for kind in (['view'] if views_only else ['view', 'table']) if found.comment is none -%}
      {%- set comments = adapter.dispatch('catalog_comments', 'ml_monitor')(relation, kind) -%}
      {%- if comments is none -%}{{ return(none) }}{%- endif -%}
      {%- set found.comment = comments.get(relation.identifier) -%}
    {%- endfor -%}
    {%- do values.append(found.comment) -%}
  {%- endfor -%}
  {{- return(values) -}}
{% endmacro %}

{#- {name: comment} for relations of `kind` ('view' or 'table') in the relation's schema
    (at least the relation's own); none where the warehouse keeps no fingerprints. -#}
{% macro default__catalog_comments(relation, kind) %}
  {{- return(none) -}}
{% endmacro %}

{#- DuckDB: the whole schema's, read once a run (ml_monitor.run_cache; a fingerprint written
    later in the run updates it: ml_monitor.remember_fingerprint). Replacing a table there
    leaves the views that read it in place, so what was read stays true. -#}
{% macro duckdb__catalog_comments(relation, kind) %}
  {%- set cache = ml_monitor.run_cache().setdefault('comments', {}) -%}
  {%- set key = [relation.database, relation.schema, kind] | join('.') -%}
  {%- if key not in cache -%}
    {%- set catalog = {'view': 'view_name, comment from duckdb_views()',
                       'table': 'table_name, comment from duckdb_tables()'}[kind] -%}
    {%- set result = run_query("select " ~ catalog ~ " where database_name = " ~ ml_monitor.string_literal(relation.database)
                               ~ " and schema_name = " ~ ml_monitor.string_literal(relation.schema)) -%}
    {%- do cache.update({key: dict(result.rows | map('list') | list)}) -%}
  {%- endif -%}
  {{- return(cache[key]) -}}
{% endmacro %}

{#- PostgreSQL: the relation's own, read when asked: replacing a table drops the views that
    read it (dbt recreates them), so a comment read earlier in the run may be gone. -#}
{% macro postgres__catalog_comments(relation, kind) %}
  {%- set result = run_query("select c.relname, obj_description(c.oid, 'pg_class')"
                             ~ " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                             ~ " where c.relkind in " ~ {'view': "('v')", 'table': "('r', 'p')"}[kind]
                             ~ " and n.nspname = " ~ ml_monitor.string_literal(relation.schema)
                             ~ " and c.relname = " ~ ml_monitor.string_literal(relation.identifier)) -%}
  {{- return(dict(result.rows | map('list') | list)) -}}
{% endmacro %}

{#- The fingerprint this run wrote into the relation's comment, for the run's later reads
    where they are cached. -#}
{% macro remember_fingerprint(relation, kind, comment) %}
  {%- set cached = ml_monitor.run_cache().get('comments', {}).get([relation.database, relation.schema, kind] | join('.')) -%}
  {%- if cached is not none -%}{%- do cached.update({relation.identifier: comment}) -%}{%- endif -%}
{% endmacro %}
