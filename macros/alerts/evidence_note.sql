{#- Why a test has no p-value: the first of (condition, note) pairs that holds, else NULL.
    A row without a p-value never alerts; the note says so instead of a silent gap. -#}
{% macro evidence_note(cases) -%}
    case
        {%- for condition, note in cases %}
        when {{ condition }} then {{ ml_monitor.string_literal(note) }}
        {%- endfor %}
    end
{%- endmacro %}
