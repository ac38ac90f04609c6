{#- The skip shared by ml_monitor_view and ml_monitor_reference_table: `fingerprint` is
    {'stored': ..., 'current': ...} (none where the warehouse keeps none, or persist_docs owns
    the comment). When the stored one is the current one the relation is left alone (no
    statement but the fingerprint's query); else, or with --full-refresh, `build` (dbt's
    materialization) builds it and its comment takes the current fingerprint. -#}
{% macro build_unless_unchanged(fingerprint, build, relation_type) %}
  {%- if fingerprint and fingerprint.stored == fingerprint.current and not should_full_refresh() -%}
    {% call noop_statement('main', 'UNCHANGED') %}-- {{ this }} unchanged: kept{% endcall %}
    {{ return({'relations': [this.incorporate(type=relation_type)]}) }}
  {%- endif -%}
  {%- set relations = build() -%}
  {%- if fingerprint -%}
    {% do run_query('comment on ' ~ relation_type ~ ' ' ~ this ~ ' is ' ~ ml_monitor.string_literal(fingerprint.current)) %}
    {% do adapter.commit() %}
  {%- endif -%}
  {{ return(relations) }}
{% endmacro %}
