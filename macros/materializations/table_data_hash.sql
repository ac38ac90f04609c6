{#- A hash of every row of `relation`, order-independent (the sum of the rows' hashes), so
    that a changed table is told from an unchanged one without keeping a copy. -#}
{% macro table_data_hash(relation) %}
  {{- return(adapter.dispatch('table_data_hash', 'ml_monitor')(relation)) -}}
{% endmacro %}

{% macro default__table_data_hash(relation) %}
  {{- return(none) -}}
{% endmacro %}

{% macro duckdb__table_data_hash(relation) %}
  {%- set result = run_query("select count(*), sum(hash(r)) from " ~ relation ~ " as r") -%}
  {{- return(result.rows[0] | join(':')) -}}
{% endmacro %}

{% macro postgres__table_data_hash(relation) %}
  {%- set result = run_query("select count(*), sum(('x' || left(md5(r::text), 16))::bit(64)::bigint) from "
        ~ relation ~ " as r") -%}
  {{- return(result.rows[0] | join(':')) -}}
{% endmacro %}
