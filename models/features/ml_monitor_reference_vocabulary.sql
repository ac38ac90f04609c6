{#- The words of the reference split's texts (lower case, letters only), per model: what
    the model has seen. Serving texts are scored by their share of words outside it. -#}
{{ config(materialized='ml_monitor_reference_table') }}
{%- set text = ml_monitor.setting('ml_monitor_text_column') -%}

{%- if text %}
with tokens as (

    select model_id, {{ ml_monitor.text_tokens(ml_monitor.quote_identifier(text)) }} as token
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_reference_split')) }}

)

select distinct model_id, token
from tokens
where token <> ''
{%- else %}
select cast(null as {{ dbt.type_string() }}) as model_id, cast(null as {{ dbt.type_string() }}) as token
where 1 = 0
{%- endif %}
