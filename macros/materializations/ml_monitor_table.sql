{#- A table rebuilt in full, on DuckDB in one statement: `create or replace table` in a
    transaction is atomic there, and dbt-duckdb's table materialization (an intermediate
    table, two renames, a backup dropped after the commit, foreign-key and index checks)
    cost about twice the query of most of the package's small tables in a daily run. An
    existing view of the same name, or a model with a contract, partitioning or sorting,
    goes through dbt-duckdb's. Elsewhere it is dbt's table. -#}
{% materialization ml_monitor_table, adapter='duckdb' %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- if (existing_relation is not none and not existing_relation.is_table) or config.get('contract').enforced
        or config.get('partitioned_by') or config.get('sorted_by') -%}
    {{ return(materialization_table_duckdb()) }}
  {%- endif -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% call statement('main') -%}
    create or replace table {{ this }} as ({{ sql }})
  {%- endcall %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(this, model) %}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [this.incorporate(type='table')]}) }}
{% endmaterialization %}

{% materialization ml_monitor_table, default %}
  {{ return(materialization_table_default()) }}
{% endmaterialization %}

{% materialization ml_monitor_table, adapter='spark' %}
  {{ return(materialization_table_spark()) }}
{% endmaterialization %}
