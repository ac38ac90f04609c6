{#- `relations` as a SQL list of 'database.schema.name' literals, for the catalog queries of
    the fingerprints. -#}
{% macro relation_names_sql(relations) %}
  {%- set names = [] -%}
  {%- for relation in relations -%}
    {%- do names.append(ml_monitor.string_literal([relation.database, relation.schema, relation.identifier] | join('.'))) -%}
  {%- endfor -%}
  {{- return('(' ~ (names | join(', ') or "''") ~ ')') -}}
{% endmacro %}
