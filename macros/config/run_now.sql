{#- "Now" for the log-health monitors as a UTC timestamp expression: var ml_monitor_now when
    set (replays and tests are deterministic), else the run's current time. -#}
{% macro run_now() %}
    {%- set now = var('ml_monitor_now', none) -%}
    {%- if now -%}
        {{- return('cast(' ~ ml_monitor.string_literal(now) ~ ' as ' ~ dbt.type_timestamp() ~ ')') -}}
    {%- endif -%}
    {{- return(ml_monitor.to_utc_timestamp(dbt.current_timestamp())) -}}
{% endmacro %}
