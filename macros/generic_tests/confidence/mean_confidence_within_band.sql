{#- The mean of a confidence column stays within `max_delta` of the reference's mean
    (e.g. the holdout split's): fails (one row) otherwise. Arguments:
      column_name        the confidence column
      reference          the reference relation
      reference_column   its confidence column (default: the same name)
      max_delta          allowed absolute difference of the means (default 0.05) -#}
{% test mean_confidence_within_band(model, column_name, reference, reference_column=none, max_delta=0.05) %}
{%- set reference_column = reference_column or column_name -%}
with means as (
    select
        (select avg({{ column_name }}) from {{ model }}) as mean_confidence,
        (select avg({{ reference_column }})
            from {{ reference }} where {{ reference_column }} is not null) as reference_mean
)
select mean_confidence, reference_mean, {{ max_delta }} as max_delta
from means
where mean_confidence is null or abs(mean_confidence - reference_mean) > {{ max_delta }}
{% endtest %}
