{#- The skip shared by ml_monitor_view and ml_monitor_reference_table: `fingerprint` is
    {'stored': ..., 'current': ...}, or none where the warehouse keeps none. When the stored
    one is the current one the relation is left alone (no statement but the fingerprint's
    queries, no runtime SQL written); else, or with --full-refresh, `build` (dbt's
    materialization) builds it and its comment takes the current fingerprint. With
    persist_docs, which owns the comment, it is built every run. -#}
{% macro build_unless_unchanged(fingerprint, build, relation_type) %}
  {%- if fingerprint is none or config.persist_relation_docs() -%}
    {{ return(build()) }}
  {%- endif -%}
  {%- if fingerprint.stored == fingerprint.current and not should_full_refresh() -%}
    {#- the result dbt reports, without noop_statement's runtime SQL file: nothing ran (every
        argument given: dbt's defaults are typing objects) -#}
    {% do store_raw_result('main', message='UNCHANGED', code=none, rows_affected=none) %}
    {{ return({'relations': [this.incorporate(type=relation_type)]}) }}
  {%- endif -%}
  {%- set relations = build() -%}
  {#- in a transaction of its own: dbt's materialization has committed, and run_query would
      leave PostgreSQL's implicit transaction uncommitted -#}
  {% call statement('fingerprint') -%}
    comment on {{ relation_type }} {{ this }} is {{ ml_monitor.string_literal(fingerprint.current) }}
  {%- endcall %}
  {% do adapter.commit() %}
  {% do ml_monitor.remember_fingerprint(this, relation_type, fingerprint.current) %}
  {{ return(relations) }}
{% endmacro %}
