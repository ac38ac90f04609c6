{#- The shares ml_monitor.distribution_test reads for the seasonal guard (macro
    seasonal_guard): per group (`keys`) and category, the bucket's count n and the pooled
    count r of its earlier buckets at the same point of the week (ml_monitor_seasonal_buckets),
    with the group totals and shares; groups with rows on both sides only. -#}
{% macro seasonal_shares(counts, category, keys) %}
{%- set double = ml_monitor.type_double() -%}
select
    pooled.*,
    cast(n as {{ double }}) / n_total as p,
    cast(r as {{ double }}) / r_total as q
from (
    select
        sides.*,
        sum(n) over (partition by {{ keys | join(', ') }}) as n_total,
        sum(r) over (partition by {{ keys | join(', ') }}) as r_total
    from (
        select {{ keys | join(', ') }}, {{ category }}, sum(n) as n, sum(r) as r
        from (
            select {{ keys | join(', ') }}, {{ category }}, n, 0 as r
            from {{ counts }}
            union all
            select earlier.model_id, earlier.bucket_start, c.cohort_name, c.cohort_value, c.{{ category }},
                   0 as n, c.n as r
            from {{ ref('ml_monitor_seasonal_buckets') }} as earlier
            inner join {{ counts }} as c
                on c.model_id = earlier.model_id and c.bucket_start = earlier.seasonal_bucket_start
        ) as both_sides
        group by {{ keys | join(', ') }}, {{ category }}
    ) as sides
) as pooled
where n_total > 0 and r_total > 0
{% endmacro %}
