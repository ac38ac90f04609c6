{#- A hash of every row of `relation`, order-independent (the sum of the rows' hashes), so
    that a changed table is told from an unchanged one without keeping a copy; none where
    the warehouse has no row hash. -#}
{% macro table_data_hash(relation) %}
  {%- set row_hash = ml_monitor.row_hash('r') -%}
  {%- if row_hash is none -%}{{ return(none) }}{%- endif -%}
  {%- set result = run_query("select count(*), sum(" ~ row_hash ~ ") from " ~ relation ~ " as r") -%}
  {{- return(result.rows[0] | join(':')) -}}
{% endmacro %}
