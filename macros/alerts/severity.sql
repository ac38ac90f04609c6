{#- The severity rule: 'critical' when an effect is at least twice its threshold, else 'warning'. -#}
{% macro severity(value, threshold) -%}
    case when abs({{ value }}) >= 2 * {{ threshold }} then 'critical' else 'warning' end
{%- endmacro %}
