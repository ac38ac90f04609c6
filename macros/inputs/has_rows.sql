{#- Whether a relation built earlier in this run holds any row (false while dbt parses).
    Lets a model leave out work its data does not need, e.g. de-duplication of a log
    without duplicates. -#}
{% macro has_rows(relation) %}
  {%- if not execute -%}{{ return(false) }}{%- endif -%}
  {%- set result = run_query("select 1 from " ~ relation ~ " limit 1") -%}
  {{- return(result.rows | length > 0) -}}
{% endmacro %}
