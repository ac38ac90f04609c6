{#- The exact two-sample KS statistic of each numeric series (model, bucket, cohort, feature)
    against its reference, from value counts: `serving_values` and `reference_values` (the long
    format of ml_monitor.feature_value_counts), `series` (each serving series with feature_type,
    n_total and its reference's cohort keys) and `reference_totals` (n_total per reference).
    Between two consecutive serving values the serving CDF is flat, so the supremum is reached
    at a serving value s: at s itself, or just below it (the serving CDF of the previous value
    against the reference CDF below s). So each reference CDF is needed only at the values its
    serving series have, and it is evaluated once per reference, not once per bucket.
    The value rows carry integer ids of their series and reference instead of the five key
    columns: the windows then sort (and spill) a third of the bytes, twice as fast on DuckDB.
    Running counts are summed as doubles (exact below 2^53): a window over integer sums is
    several times slower on some engines. -#}
{% macro feature_ks_statistics(serving_values, series, reference_values, reference_totals) %}
  {%- set double = ml_monitor.type_double() -%}
    with numeric_series as (
        select
            s.model_id, s.bucket_start, s.cohort_name, s.cohort_value, s.feature, s.n_total,
            row_number() over (
                order by s.model_id, s.bucket_start, s.cohort_name, s.cohort_value, s.feature) as series_id,
            dense_rank() over (
                order by s.model_id, s.reference_cohort_name, s.reference_cohort_value, s.feature) as reference_id,
            rt.n_total as reference_total,
            s.reference_cohort_name, s.reference_cohort_value
        from {{ series }} as s
        inner join {{ reference_totals }} as rt
            on rt.model_id = s.model_id and rt.cohort_name = s.reference_cohort_name
            and rt.cohort_value = s.reference_cohort_value and rt.feature = s.feature
        where s.feature_type = 'numeric'
    ),

    references_used as (
        select distinct reference_id, model_id, reference_cohort_name, reference_cohort_value, feature, reference_total
        from numeric_series
    ),

    serving_points as (
        select s.series_id, s.reference_id, s.n_total, v.value_number, v.n
        from {{ serving_values }} as v
        inner join numeric_series as s
            on s.model_id = v.model_id and s.bucket_start = v.bucket_start and s.cohort_name = v.cohort_name
            and s.cohort_value = v.cohort_value and s.feature = v.feature
    ),

    grid as (
        select reference_id, value_number, sum(n_reference) as n_reference
        from (
            select reference_id, value_number, 0 as n_reference
            from serving_points
            union all
            select k.reference_id, r.value_number, r.n
            from {{ reference_values }} as r
            inner join references_used as k
                on k.model_id = r.model_id and k.reference_cohort_name = r.cohort_name
                and k.reference_cohort_value = r.cohort_value and k.feature = r.feature
        ) as grid_points
        group by reference_id, value_number
    ),

    reference_cdf as (
        select
            g.reference_id, g.value_number,
            sum(cast(g.n_reference as {{ double }})) over (
                partition by g.reference_id order by g.value_number
                rows between unbounded preceding and current row) / k.reference_total as cdf_at,
            (sum(cast(g.n_reference as {{ double }})) over (
                partition by g.reference_id order by g.value_number
                rows between unbounded preceding and current row)
             - g.n_reference) / k.reference_total as cdf_below
        from grid as g
        inner join references_used as k on k.reference_id = g.reference_id
    ),

    serving_cdf as (
        select
            series_id, reference_id, value_number,
            sum(cast(n as {{ double }})) over (
                partition by series_id order by value_number
                rows between unbounded preceding and current row) / n_total as cdf_at,
            (sum(cast(n as {{ double }})) over (
                partition by series_id order by value_number
                rows between unbounded preceding and current row)
             - n) / n_total as cdf_below
        from serving_points
    ),

    statistics as (
        select s.series_id, max(greatest(abs(s.cdf_at - r.cdf_at), abs(s.cdf_below - r.cdf_below))) as ks_statistic
        from serving_cdf as s
        inner join reference_cdf as r on r.reference_id = s.reference_id and r.value_number = s.value_number
        group by s.series_id
    )

    select n.model_id, n.bucket_start, n.cohort_name, n.cohort_value, n.feature, k.ks_statistic
    from statistics as k
    inner join numeric_series as n on n.series_id = k.series_id
{% endmacro %}
