{#- A set-returning select-list expression: the lower-case words (runs of letters) of a text,
    one row each; an empty or letterless text gives one empty token. -#}
{% macro text_tokens(text_expr) %}
  {{- return(adapter.dispatch('text_tokens', 'ml_monitor')(text_expr)) -}}
{% endmacro %}

{% macro default__text_tokens(text_expr) -%}
  regexp_split_to_table(trim(regexp_replace(lower({{ text_expr }}), '[^a-z]+', ' ', 'g')), ' ')
{%- endmacro %}

{% macro duckdb__text_tokens(text_expr) -%}
  unnest(string_split(trim(regexp_replace(lower({{ text_expr }}), '[^a-z]+', ' ', 'g')), ' '))
{%- endmacro %}

{% macro spark__text_tokens(text_expr) -%}
  explode(split(trim(regexp_replace(lower({{ text_expr }}), '[^a-z]+', ' ')), ' '))
{%- endmacro %}
