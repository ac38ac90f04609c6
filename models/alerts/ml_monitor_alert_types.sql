{#- One row per alert type (macro ml_monitor.alert_types, their one home): its rank in
    incident titles and what it means. -#}
{{ config(materialized='ml_monitor_view') }}

{%- for t in ml_monitor.alert_types() %}
{%- if not loop.first %}
union all
{%- endif %}
select
    {{ ml_monitor.string_literal(t.type) }} as alert_type,
    {{ loop.index }} as type_rank,
    {{ ml_monitor.string_literal(t.description) }} as description
{%- endfor %}
