{#- Fail at compile time when a canonical column has a type it cannot take: confidence must
    be numeric, predicted_at a timestamp or date. A text column is refused rather than cast:
    a cast fails at run time on the first bad value with a database message, or (PostgreSQL
    text with an offset) silently drops the time zone. Returns the column's type in lower
    case, or none when the column is absent (input_column reports that). -#}
{% macro check_input_type(columns, canonical, var_name, relation) %}
  {%- set name = ml_monitor.column_name(canonical) -%}
  {%- set found = [] -%}
  {%- for column in columns if column.name == name -%}{%- do found.append(column) -%}{%- endfor -%}
  {%- for column in columns if column.name | lower == name | lower -%}{%- do found.append(column) -%}{%- endfor -%}
  {%- if not found -%}{{ return(none) }}{%- endif -%}
  {%- set column = found[0] -%}
  {%- set data_type = column.data_type | lower -%}
  {%- if canonical == 'confidence' -%}
    {%- set ok = ml_monitor.is_numeric_column(column) -%}
    {%- set expected = 'numeric (a score in [0, 1])' -%}
  {%- else -%}
    {%- set ok = 'time' in data_type or 'date' in data_type -%}
    {%- set expected = 'a timestamp (UTC, or with a time zone) or a date' -%}
  {%- endif -%}
  {%- if not ok -%}
    {{ exceptions.raise_compiler_error(
        "ml_monitor: column '" ~ column.name ~ "' (from " ~ var_name ~ ") in " ~ relation ~ " has type "
        ~ column.data_type ~ ", but " ~ canonical ~ " must be " ~ expected
        ~ "; cast it in a view over the table and point the ml_monitor_*_table var at the view") }}
  {%- endif -%}
  {{- return(data_type) -}}
{% endmacro %}
