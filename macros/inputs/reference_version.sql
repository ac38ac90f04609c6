{#- Identifies the reference the feature drift was computed against (its row and value
    counts, ranges and decile edges: order-independent, exact), so that a new reference
    recomputes every bucket, not only the recent ones. -#}
{% macro reference_version() %}
  {%- if not execute -%}{{ return('none') }}{%- endif -%}
  {%- set values = run_query(
        "select count(*), sum(n), count(distinct value_number), min(value_number), max(value_number), "
        ~ "count(distinct value_string) from " ~ ref('ml_monitor_reference_feature_values')) -%}
  {%- set edges = run_query("select * from " ~ ref('ml_monitor_reference_feature_edges') ~ " order by model_id, feature") -%}
  {%- set parts = [values.rows[0] | join(',')] -%}
  {%- for row in edges.rows -%}{%- do parts.append(row | join(',')) -%}{%- endfor -%}
  {{- return(local_md5(parts | join(';'))) -}}
{% endmacro %}
