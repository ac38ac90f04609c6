{#- Identifies the reference the feature tables were computed against (its row and value
    counts, ranges and decile edges: order-independent, exact), a part of their
    config_version: a new reference recomputes every bucket, not only the recent ones. -#}
{% macro reference_version() %}
  {#- the refs while parsing too, so that a model calling this depends on both tables -#}
  {%- set values_relation, edges_relation = ref('ml_monitor_reference_feature_values'),
      ref('ml_monitor_reference_feature_edges') -%}
  {%- if not execute -%}{{ return('none') }}{%- endif -%}
  {%- set values = run_query(
        "select count(*), sum(n), count(distinct value_number), min(value_number), max(value_number), "
        ~ "count(distinct value_string) from " ~ values_relation) -%}
  {%- set edges = run_query("select * from " ~ edges_relation ~ " order by model_id, feature") -%}
  {%- set parts = [values.rows[0] | join(',')] -%}
  {%- for row in edges.rows -%}{%- do parts.append(row | join(',')) -%}{%- endfor -%}
  {{- return(local_md5(parts | join(';'))) -}}
{% endmacro %}
