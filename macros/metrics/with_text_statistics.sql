{#- The rows of `relation` with the text column's statistics: text_length_chars,
    text_word_count, text_uppercase_share and text_oov_share, the share of a text's words
    that are not in the reference vocabulary (NULL for a text without words). Computed once
    per distinct text: a log repeats its texts, and a regular expression on every row cost
    more than all the feature counts together. Without a text column, the rows as they are. -#}
{% macro with_text_statistics(relation) %}
  {%- set text = ml_monitor.setting('ml_monitor_text_column') -%}
  {%- if not text %}
    select * from {{ relation }}
  {%- else %}
    {%- set column = ml_monitor.quote_identifier(text) %}
    {%- set double = ml_monitor.type_double() %}
    select r.*, s.text_length_chars, s.text_word_count, s.text_uppercase_share, s.text_oov_share
    from {{ relation }} as r
    left join (
        select
            t.model_id,
            t.input_text,
            cast(length(t.input_text) as {{ double }}) as text_length_chars,
            cast(case when trim(t.input_text) = '' then 0
                      else length(trim(t.input_text)) - length(replace(trim(t.input_text), ' ', '')) + 1 end
                 as {{ double }}) as text_word_count,
            cast({{ ml_monitor.count_uppercase('t.input_text') }} as {{ double }})
                / nullif(length(t.input_text), 0) as text_uppercase_share,
            {#- a text without words has one empty token: no share -#}
            avg(case when t.token = '' then null
                     when v.token is null then cast(1 as {{ double }})
                     else cast(0 as {{ double }}) end) as text_oov_share
        from (
            select model_id, input_text, {{ ml_monitor.text_tokens('input_text') }} as token
            from (select distinct model_id, {{ column }} as input_text from {{ relation }}) as texts
        ) as t
        left join {{ ref('ml_monitor_reference_vocabulary') }} as v
            on v.model_id = t.model_id and v.token = t.token
        group by t.model_id, t.input_text
    ) as s
        on s.model_id = r.model_id and s.input_text = r.{{ column }}
  {%- endif %}
{% endmacro %}
