{#- The models a model reads by ref, through its ephemeral models (whose SQL its own
    includes). -#}
{% macro upstream_relations(node) %}
  {%- set relations = [] -%}
  {%- for unique_id in node.depends_on.nodes if unique_id in graph.nodes -%}
    {%- set upstream = graph.nodes[unique_id] -%}
    {%- if upstream.config.materialized == 'ephemeral' -%}
      {%- do relations.extend(ml_monitor.upstream_relations(upstream)) -%}
    {%- else -%}
      {%- do relations.append(api.Relation.create(upstream.database, upstream.schema, upstream.alias)) -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return(relations) -}}
{% endmacro %}
