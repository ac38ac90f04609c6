{#- Join condition of a confidence to its calibration interval for one class ('__all__':
    the model-wide calibration). Intervals are [score_lower, score_upper); the last one is
    the single point [1, 1], so every score matches exactly one interval. -#}
{% macro calibration_match(calibration_alias, prediction_alias, class_expr) -%}
    {{ calibration_alias }}.model_id = {{ prediction_alias }}.model_id
    and {{ calibration_alias }}.predicted_class = {{ class_expr }}
    and {{ prediction_alias }}.confidence >= {{ calibration_alias }}.score_lower
    and ({{ prediction_alias }}.confidence < {{ calibration_alias }}.score_upper
         or {{ prediction_alias }}.confidence = {{ calibration_alias }}.score_lower)
{%- endmacro %}
