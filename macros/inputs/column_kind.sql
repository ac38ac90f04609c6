{#- 'numeric' for number columns, else 'categorical' (compile time; 'categorical' while parsing). -#}
{% macro column_kind(columns, name) %}
  {%- for column in columns if column.name | lower == name | lower -%}
    {{ return('numeric' if ml_monitor.is_numeric_column(column) else 'categorical') }}
  {%- endfor -%}
  {%- if execute -%}
    {{ exceptions.raise_compiler_error("ml_monitor: feature column '" ~ name
        ~ "' (var ml_monitor_features) does not exist in both input tables") }}
  {%- endif -%}
  {{- return('categorical') -}}
{% endmacro %}
