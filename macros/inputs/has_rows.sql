{#- Whether a relation built earlier in this run holds any row (where `condition` holds;
    false while dbt parses). Lets a model leave out work its data does not need, e.g.
    de-duplication of a log without duplicates. -#}
{% macro has_rows(relation, condition='1 = 1') %}
  {%- if not execute -%}{{ return(false) }}{%- endif -%}
  {%- set result = run_query("select 1 from " ~ relation ~ " where " ~ condition ~ " limit 1") -%}
  {{- return(result.rows | length > 0) -}}
{% endmacro %}
