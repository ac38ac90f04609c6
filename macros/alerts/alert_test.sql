{#- One monitor's tests as rows of ml_monitor_alert_tests, every column named by the caller:
    the series (model, bucket, cohort, subject), the effect (metric, value, the threshold it
    must pass, is_effect) and the evidence (p_value, evidence_note). -#}
{% macro alert_test(alert_type, relation, subject, metric, value, threshold, is_effect,
                    cohort_name='cohort_name', cohort_value='cohort_value', where=none,
                    p_value='p_value', evidence_note='evidence_note') -%}
    select
        {{ ml_monitor.string_literal(alert_type) }} as alert_type,
        model_id,
        bucket_start,
        cast({{ cohort_name }} as {{ dbt.type_string() }}) as cohort_name,
        cast({{ cohort_value }} as {{ dbt.type_string() }}) as cohort_value,
        cast({{ subject }} as {{ dbt.type_string() }}) as subject,
        cast({{ metric }} as {{ dbt.type_string() }}) as metric,
        cast({{ value }} as {{ ml_monitor.type_double() }}) as value,
        cast({{ threshold }} as {{ ml_monitor.type_double() }}) as threshold,
        coalesce({{ is_effect }}, false) as is_effect,
        cast({{ p_value }} as {{ ml_monitor.type_double() }}) as p_value,
        cast({{ evidence_note }} as {{ dbt.type_string() }}) as evidence_note
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
{%- endmacro %}
