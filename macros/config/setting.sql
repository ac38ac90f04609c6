{#- A package setting: var `name`, whose default lives in dbt_project.yml only. Every model and
    macro reads its vars through here. Nodes of your own project (the generic tests in your
    schema files) see only your project's vars, not the package's defaults: there an unset
    var is a one-line error rather than dbt's dump of every var. -#}
{% macro setting(name) %}
  {%- set undefined = {} -%}
  {%- set value = var(name, undefined) -%}
  {%- if value is sameas undefined -%}
    {{ exceptions.raise_compiler_error("ml_monitor: var " ~ name ~ " is not set: set it in your dbt_project.yml"
        ~ " vars (tests in your own project do not see the package's defaults) or pass the argument") }}
  {%- endif -%}
  {{- return(value) -}}
{% endmacro %}
