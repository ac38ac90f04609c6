{#- int_ml_monitor__volume with the decisions of ml_monitor_alert_tests: is_drop
    (volume_drop), is_spike (volume_spike), is_share_alert (cohort_volume_share) and
    is_alert, any of them. -#}
{%- set flags = {'volume_drop': 'is_drop', 'volume_spike': 'is_spike', 'cohort_volume_share': 'is_share_alert'} -%}
{{ config(materialized='ml_monitor_view') }}
select
    i.*,
    {%- for alert_type, flag in flags.items() %}
    coalesce({{ flag }}.is_alert, false) as {{ flag }},
    {%- endfor %}
    coalesce(is_drop.is_alert or is_spike.is_alert or is_share_alert.is_alert, false) as is_alert
from {{ ref('int_ml_monitor__volume') }} as i
{%- for alert_type, flag in flags.items() %}
left join {{ ref('ml_monitor_alert_tests') }} as {{ flag }}
    on {{ flag }}.alert_type = {{ ml_monitor.string_literal(alert_type) }}
    and {{ flag }}.model_id = i.model_id
    and {{ flag }}.bucket_start = i.bucket_start
    and {{ flag }}.cohort_name = i.cohort_name
    and {{ flag }}.cohort_value = i.cohort_value
{%- endfor %}
