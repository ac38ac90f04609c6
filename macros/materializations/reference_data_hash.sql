{#- A hash of every row of the reference table, order-independent (the sum of the rows'
    hashes), so that a changed reference is told from an unchanged one without keeping a
    copy; computed once a run (ml_monitor.run_cache: each reference table's fingerprint holds
    it); none where the warehouse has no row hash. -#}
{% macro reference_data_hash() %}
  {%- set row_hash = ml_monitor.row_hash('r') -%}
  {%- if row_hash is none -%}{{ return(none) }}{%- endif -%}
  {%- set cache = ml_monitor.run_cache() -%}
  {%- if 'reference_data_hash' not in cache -%}
    {%- set result = run_query("select count(*), sum(" ~ row_hash ~ ") from " ~ source('ml_monitor', 'reference') ~ " as r") -%}
    {%- do cache.update({'reference_data_hash': result.rows[0] | join(':')}) -%}
  {%- endif -%}
  {{- return(cache['reference_data_hash']) -}}
{% endmacro %}
