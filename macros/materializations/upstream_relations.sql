{#- The relations of the given resource types (model, source) a model reads by ref and
    source, through its ephemeral models (whose SQL its own includes). -#}
{% macro upstream_relations(node, resource_types=['model', 'source']) %}
  {%- set relations = [] -%}
  {%- for unique_id in node.depends_on.nodes -%}
    {%- set upstream = graph.sources[unique_id] if unique_id in graph.sources else graph.nodes[unique_id] -%}
    {%- if upstream.config.materialized == 'ephemeral' -%}
      {%- do relations.extend(ml_monitor.upstream_relations(upstream, resource_types)) -%}
    {%- elif upstream.resource_type in resource_types -%}
      {%- do relations.append(api.Relation.create(upstream.database, upstream.schema,
            upstream.identifier if upstream.resource_type == 'source' else upstream.alias)) -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return(relations) -}}
{% endmacro %}
