{#- dbt's is_incremental, which holds for materialized 'incremental' alone, also for the
    package's ml_monitor_incremental: the package's models find this one before dbt's. -#}
{% macro is_incremental() %}
  {%- if not execute -%}{{ return(false) }}{%- endif -%}
  {%- set relation = adapter.get_relation(this.database, this.schema, this.table) -%}
  {{- return(relation is not none and relation.type == 'table'
        and model.config.materialized in ('incremental', 'ml_monitor_incremental') and not should_full_refresh()) -}}
{% endmacro %}
