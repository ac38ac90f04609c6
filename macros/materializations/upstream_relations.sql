{#- The tables, views and sources a model reads by ref and source, through its ephemeral
    models (whose SQL its own includes). -#}
{% macro upstream_relations(node) %}
  {%- set relations = [] -%}
  {%- for unique_id in node.depends_on.nodes -%}
    {%- if unique_id in graph.sources -%}
      {%- set upstream = graph.sources[unique_id] -%}
      {%- do relations.append(api.Relation.create(upstream.database, upstream.schema, upstream.identifier)) -%}
    {%- elif graph.nodes[unique_id].config.materialized == 'ephemeral' -%}
      {%- do relations.extend(ml_monitor.upstream_relations(graph.nodes[unique_id])) -%}
    {%- else -%}
      {%- set upstream = graph.nodes[unique_id] -%}
      {%- do relations.append(api.Relation.create(upstream.database, upstream.schema, upstream.alias)) -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return(relations) -}}
{% endmacro %}
