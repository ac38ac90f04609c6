{#- A non-negative number as text with exactly two decimals ('0.10', '12.35'), the same on
    every warehouse (casting a double or a numeric to text is not). -#}
{% macro format_decimal(expr) -%}
    {%- set cents = 'cast(round((' ~ expr ~ ') * 100) as ' ~ dbt.type_bigint() ~ ')' -%}
    cast(cast(floor({{ cents }} / 100.0) as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }})
    || '.' || lpad(cast({{ cents }} % 100 as {{ dbt.type_string() }}), 2, '0')
{%- endmacro %}
