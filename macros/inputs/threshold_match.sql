{#- Join condition of a prediction to its fitted threshold: per model and predicted class,
    or per model alone in binary mode (one threshold on p_positive). -#}
{% macro threshold_match(threshold_alias, prediction_alias) -%}
    {{ threshold_alias }}.model_id = {{ prediction_alias }}.model_id
    {%- if ml_monitor.setting('ml_monitor_positive_class') is none %}
    and {{ threshold_alias }}.predicted_class = {{ prediction_alias }}.predicted_class
    {%- endif %}
{%- endmacro %}
