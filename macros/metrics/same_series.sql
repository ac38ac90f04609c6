{#- The join condition of two rows of one series: equal model_id, bucket_start, cohort_name
    and cohort_value in relations (aliases) `left` and `right`, and equal `also` columns (the
    series' subject: predicted_class, feature, label). -#}
{% macro same_series(left, right, also=[]) -%}
    {%- for column in ['model_id', 'bucket_start', 'cohort_name', 'cohort_value'] + also -%}
        {{ ' and ' if not loop.first }}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor -%}
{%- endmacro %}
