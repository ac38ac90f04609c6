{#- A column's null fraction stays within `tolerance` of the reference's: fails (one row)
    when |model fraction − reference fraction| > tolerance. Arguments:
      column_name   the tested column
      reference     the reference relation (its column of the same name is compared)
      tolerance     default: var ml_monitor_null_fraction_tolerance (your project must set it) -#}
{% test null_fraction_within_tolerance(model, column_name, reference, tolerance=none) %}
{%- set tolerance = tolerance if tolerance is not none else ml_monitor.setting('ml_monitor_null_fraction_tolerance') -%}
with fractions as (
    select
        (select avg(case when {{ column_name }} is null then 1.0 else 0.0 end) from {{ model }}) as null_fraction,
        (select avg(case when {{ column_name }} is null
            then 1.0 else 0.0 end) from {{ reference }}) as reference_null_fraction
)
select null_fraction, reference_null_fraction, {{ tolerance }} as tolerance
from fractions
where abs(null_fraction - reference_null_fraction) > {{ tolerance }}
{% endtest %}
