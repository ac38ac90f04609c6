{#- One row per alert type (macro ml_monitor.alert_types, their one home): its rank in
    incident titles, the report section that charts it and what it means. -#}
{{ config(materialized='view') }}

{%- for t in ml_monitor.alert_types() %}
{%- if not loop.first %}
union all
{%- endif %}
select
    {{ ml_monitor.string_literal(t.type) }} as alert_type,
    {{ loop.index }} as type_rank,
    {{ ml_monitor.string_literal(t.section) if t.section else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as section,
    {{ ml_monitor.string_literal(t.description) }} as description
{%- endfor %}
