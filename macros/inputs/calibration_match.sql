{#- Join condition of a confidence to its calibration interval for one class ('__all__':
    the model-wide calibration). Intervals are [score_lower, score_upper), the last closed at 1. -#}
{% macro calibration_match(calibration_alias, prediction_alias, class_expr) -%}
    {{ calibration_alias }}.model_id = {{ prediction_alias }}.model_id
    and {{ calibration_alias }}.predicted_class = {{ class_expr }}
    and {{ prediction_alias }}.confidence >= {{ calibration_alias }}.score_lower
    and ({{ prediction_alias }}.confidence < {{ calibration_alias }}.score_upper or {{ calibration_alias }}.score_upper >= 1)
{%- endmacro %}
