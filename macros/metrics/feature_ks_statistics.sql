{#- The exact two-sample KS statistic of each numeric series (model, bucket, cohort, feature)
    against its reference, from value counts: `serving_values` and `reference_values` (the long
    format of ml_monitor.feature_value_counts), `series` (each serving series with n_total and
    its reference's cohort keys), `reference_keys` (those keys per model, cohort and feature)
    and `reference_totals` (n_total per reference). Between two consecutive serving values the
    serving CDF is flat, so the supremum is reached at a serving value s: at s itself, or just
    below it (the serving CDF of the previous value against the reference CDF below s). So each
    reference CDF is needed only at the values its serving series have, and it is evaluated
    once per reference, not once per bucket. Running counts are summed as doubles (exact below
    2^53): a window over integer sums is several times slower on some engines. -#}
{% macro feature_ks_statistics(serving_values, series, reference_values, reference_keys, reference_totals) %}
  {%- set double = ml_monitor.type_double() -%}
  {%- set reference_series = 'model_id, reference_cohort_name, reference_cohort_value, feature' -%}
    with grid as (
        select {{ reference_series }}, value_number, sum(n_reference) as n_reference
        from (
            select
                v.model_id, k.reference_cohort_name, k.reference_cohort_value, v.feature, v.value_number,
                0 as n_reference
            from {{ serving_values }} as v
            inner join {{ reference_keys }} as k
                on k.model_id = v.model_id and k.cohort_name = v.cohort_name
                and k.cohort_value = v.cohort_value and k.feature = v.feature
            where v.feature_type = 'numeric'
            union all
            select model_id, cohort_name, cohort_value, feature, value_number, n
            from {{ reference_values }}
            where feature_type = 'numeric'
        ) as grid_points
        group by {{ reference_series }}, value_number
    ),

    reference_cdf as (
        select
            g.model_id, g.reference_cohort_name, g.reference_cohort_value, g.feature, g.value_number,
            sum(cast(g.n_reference as {{ double }})) over (
                partition by g.model_id, g.reference_cohort_name, g.reference_cohort_value, g.feature
                order by g.value_number rows between unbounded preceding and current row) / rt.n_total as cdf_at,
            (sum(cast(g.n_reference as {{ double }})) over (
                partition by g.model_id, g.reference_cohort_name, g.reference_cohort_value, g.feature
                order by g.value_number rows between unbounded preceding and current row)
             - g.n_reference) / rt.n_total as cdf_below
        from grid as g
        inner join {{ reference_totals }} as rt
            on rt.model_id = g.model_id and rt.cohort_name = g.reference_cohort_name
            and rt.cohort_value = g.reference_cohort_value and rt.feature = g.feature
    ),

    serving_cdf as (
        select
            v.model_id, v.bucket_start, b.reference_cohort_name, b.reference_cohort_value,
            v.cohort_name, v.cohort_value, v.feature, v.value_number,
            sum(cast(v.n as {{ double }})) over (
                partition by v.model_id, v.bucket_start, v.cohort_name, v.cohort_value, v.feature
                order by v.value_number rows between unbounded preceding and current row) / b.n_total as cdf_at,
            (sum(cast(v.n as {{ double }})) over (
                partition by v.model_id, v.bucket_start, v.cohort_name, v.cohort_value, v.feature
                order by v.value_number rows between unbounded preceding and current row)
             - v.n) / b.n_total as cdf_below
        from {{ serving_values }} as v
        inner join {{ series }} as b on {{ ml_monitor.same_series('b', 'v', ['feature']) }}
        where v.feature_type = 'numeric'
    )

    select
        s.model_id, s.bucket_start, s.cohort_name, s.cohort_value, s.feature,
        max(greatest(abs(s.cdf_at - r.cdf_at), abs(s.cdf_below - r.cdf_below))) as ks_statistic
    from serving_cdf as s
    inner join reference_cdf as r
        on r.model_id = s.model_id and r.reference_cohort_name = s.reference_cohort_name
        and r.reference_cohort_value = s.reference_cohort_value and r.feature = s.feature
        and r.value_number = s.value_number
    group by s.model_id, s.bucket_start, s.cohort_name, s.cohort_value, s.feature
{% endmacro %}
