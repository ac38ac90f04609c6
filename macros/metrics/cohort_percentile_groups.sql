{#- Each row of `relation` once per group it belongs to: the whole population and each
    cohort column's cohort, each for its predicted class and for every class ('__all__'),
    with the group's keys (model_id, bucket_start, cohort_name, cohort_value,
    predicted_class) and the given `columns`. -#}
{% macro cohort_percentile_groups(relation, columns) %}
  {%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
    select
        r.model_id,
        r.bucket_start,
        g.cohort_name,
        case
            when 1 = 0 then cast(null as {{ dbt.type_string() }})
            {%- for name in ml_monitor.cohort_columns() %}
            when g.cohort_name = {{ ml_monitor.string_literal(name) }} then r.cohort_{{ loop.index }}
            {%- endfor %}
            else {{ all }}
        end as cohort_value,
        case when g.per_class = 1 then r.predicted_class else {{ all }} end as predicted_class,
        {{ columns | join(', ') }}
    from {{ relation }} as r
    cross join (
        {%- for cohort_name in [ml_monitor.reserved_values().all] + ml_monitor.cohort_columns() %}
        {%- set outer = loop %}
        {%- for per_class in [0, 1] %}
        select {{ ml_monitor.string_literal(cohort_name) }} as cohort_name,
               {{ per_class }} as per_class{{ " union all" if not (outer.last and loop.last) }}
        {%- endfor %}
        {%- endfor %}
    ) as g
{% endmacro %}
