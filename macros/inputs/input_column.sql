{#- The quoted column of an input relation for a configured name, or none when it is
    optional and absent. A required column that is missing fails at compile time with the
    var that named it. Exact match first, then case-insensitive. -#}
{% macro input_column(columns, name, var_name, relation, required=true) %}
  {%- if not execute -%}{{ return(ml_monitor.quote_identifier(name)) }}{%- endif -%}
  {%- for column in columns if column.name == name -%}
    {{ return(ml_monitor.quote_identifier(column.name)) }}
  {%- endfor -%}
  {%- for column in columns if column.name | lower == name | lower -%}
    {{ return(ml_monitor.quote_identifier(column.name)) }}
  {%- endfor -%}
  {%- if required -%}
    {{ exceptions.raise_compiler_error(
        "ml_monitor: column '" ~ name ~ "' (from " ~ var_name ~ ") does not exist in " ~ relation
        ~ "; its columns are: " ~ (columns | map(attribute='name') | join(', '))) }}
  {%- endif -%}
  {{- return(none) -}}
{% endmacro %}
