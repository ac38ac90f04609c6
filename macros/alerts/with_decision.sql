{#- A monitor's public view: its statistics (an int_ model) with the decision made in
    ml_monitor_alert_tests, so that the monitor's flag and ml_monitor_alerts never disagree.
    cohort_name, cohort_value and subject are expressions over the monitor's columns (alias i)
    that give its series' keys in ml_monitor_alert_tests. -#}
{% macro with_decision(relation, alert_type, flag, subject, cohort_name='i.cohort_name',
    cohort_value='i.cohort_value') -%}
select
    i.*,
    t.p_value_adjusted,
    coalesce(t.is_alert, false) as {{ flag }}
from {{ relation }} as i
left join {{ ref('ml_monitor_alert_tests') }} as t
    on t.alert_type = {{ ml_monitor.string_literal(alert_type) }}
    and t.model_id = i.model_id
    and t.bucket_start = i.bucket_start
    and t.cohort_name = {{ cohort_name }}
    and t.cohort_value = {{ cohort_value }}
    and t.subject = {{ subject }}
{%- endmacro %}
