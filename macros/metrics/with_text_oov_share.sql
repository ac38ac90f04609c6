{#- The rows of `relation` with text_oov_share: the share of a text's words that are not in
    the reference vocabulary (NULL for a text without words). Computed once per distinct
    text. Without a text column, the rows as they are. -#}
{% macro with_text_oov_share(relation) %}
  {%- set text = ml_monitor.setting('ml_monitor_text_column') -%}
  {%- if not text %}
    select * from {{ relation }}
  {%- else %}
    {%- set column = ml_monitor.quote_identifier(text) %}
    select r.*, o.text_oov_share
    from {{ relation }} as r
    left join (
        select
            t.model_id,
            t.input_text,
            avg(cast(case when v.token is null then 1 else 0 end as {{ ml_monitor.type_double() }})) as text_oov_share
        from (
            select model_id, input_text, {{ ml_monitor.text_tokens('input_text') }} as token
            from (select distinct model_id, {{ column }} as input_text from {{ relation }}) as texts
        ) as t
        left join {{ ref('ml_monitor_reference_vocabulary') }} as v
            on v.model_id = t.model_id and v.token = t.token
        where t.token <> ''
        group by t.model_id, t.input_text
    ) as o
        on o.model_id = r.model_id and o.input_text = r.{{ column }}
  {%- endif %}
{% endmacro %}
