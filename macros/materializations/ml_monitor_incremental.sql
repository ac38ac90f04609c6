{#- The package's incremental tables (ml_monitor.incremental_by_bucket, the schema history).
    On DuckDB an incremental run is lean: the new rows into a temporary table, one catalog
    query that fails on any change of the columns (on_schema_change 'fail', the only one the
    package uses), the strategy's statements, the hooks, one commit. dbt-duckdb's
    materialization (two catalog queries and a log for the schema comparison, grants,
    indexes, foreign keys, relations to drop) cost more than the new day's query of the
    smaller of these tables in a daily run. A first build, a full refresh, an existing
    view, a model with a contract or another on_schema_change goes through dbt-duckdb's.
    Elsewhere it is dbt's incremental materialization. is_incremental() knows this one too
    (the package's own is_incremental). -#}
{% materialization ml_monitor_incremental, adapter='duckdb' %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- if existing_relation is none or not existing_relation.is_table or should_full_refresh()
        or config.get('contract').enforced or config.get('on_schema_change') != 'fail' -%}
    {{ return(materialization_incremental_duckdb()) }}
  {%- endif -%}
  {%- set temp_relation = make_temp_relation(this) -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% do run_query(create_table_as(True, temp_relation, sql)) %}
  {%- set strategy = adapter.get_incremental_strategy_macro(context, config.get('incremental_strategy') or 'default') -%}
  {% call statement('main') -%}
    {{ strategy({'target_relation': this, 'temp_relation': temp_relation, 'unique_key': config.get('unique_key'),
                 'dest_columns': ml_monitor.unchanged_columns(temp_relation, this),
                 'incremental_predicates': config.get('incremental_predicates')}) }}
  {%- endcall %}
  {% do persist_docs(this, model) %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [this.incorporate(type='table')]}) }}
{% endmaterialization %}

{% materialization ml_monitor_incremental, default %}
  {{ return(materialization_incremental_default()) }}
{% endmaterialization %}

{% materialization ml_monitor_incremental, adapter='spark' %}
  {{ return(materialization_incremental_spark()) }}
{% endmaterialization %}

{#- The columns of `target` (DuckDB), as dbt's Column objects for the incremental strategy,
    once the new rows in the temporary `new_rows` were found to have exactly these, of the
    same types; else the run fails as dbt's on_schema_change 'fail' does (a full refresh
    rebuilds the table). -#}
{% macro unchanged_columns(new_rows, target) %}
  {%- set result = run_query(
        "select coalesce(old.column_name, new.column_name), old.data_type, new.data_type"
        ~ " from (select column_name, data_type, column_index from duckdb_columns() where database_name = "
          ~ ml_monitor.string_literal(target.database) ~ " and schema_name = " ~ ml_monitor.string_literal(target.schema)
          ~ " and table_name = " ~ ml_monitor.string_literal(target.identifier) ~ ") as old"
        ~ " full join (select column_name, data_type from duckdb_columns() where database_name = 'temp'"
          ~ " and table_name = " ~ ml_monitor.string_literal(new_rows.identifier) ~ ") as new"
        ~ " on new.column_name = old.column_name order by old.column_index") -%}
  {%- set columns, changed = [], [] -%}
  {%- for name, old_type, new_type in result.rows -%}
    {%- if old_type == new_type -%}
      {%- do columns.append(api.Column.create(name, old_type)) -%}
    {%- else -%}
      {%- do changed.append(name ~ ' (' ~ (old_type or 'new') ~ ' -> ' ~ (new_type or 'removed') ~ ')') -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if changed -%}
    {{ exceptions.raise_compiler_error("The source and target schemas on this incremental model are out of sync"
        ~ " (on_schema_change 'fail'): " ~ changed | join(', ') ~ ". Run with --full-refresh to rebuild "
        ~ target ~ ".") }}
  {%- endif -%}
  {{- return(columns) -}}
{% endmacro %}
