{#- Distances between a serving and a reference distribution over the union of their
    categories, one row per group (DESIGN §4), and the evidence that they differ. `shares`
    is a relation or CTE with the group columns and, per category: n (serving count),
    n_total (serving count of the group), p (serving share), r (reference count), r_total
    (reference count of the group), q (reference share).
      psi           Σ (p'−q')·ln(p'/q'), a zero share replaced by 1e-4 (no renormalisation)
      js_distance   √(½ Σ p·log2(p/m) + ½ Σ q·log2(q/m)), m = (p+q)/2, 0·log 0 = 0
      linf          max |p − q|
      chi2          the two-sample (2 × K contingency) statistic, N·R·Σ (p − q)² / (n + r)
                    over the categories either side has; dof = that count − 1. A category
                    only serving has (r = 0) is tested like any other.
      new_categories / unseen_share: categories with q = 0 that occur in serving
      min_expected / small_expected_share: the smallest expected serving count N·(n + r)/(N + R)
                    over the reference's categories, and the share of them below 5, for
                    Cochran's rule of when the chi-square approximation holds (no expected
                    count below 1, at most a fifth below 5) -#}
{% macro distribution_distances(shares, group_columns) %}
    select
        {{ group_columns | join(', ') }},
        max(n_total) as n,
        max(r_total) as n_reference,
        sum((
            case when p = 0 then 1e-4 else p end - case when q = 0 then 1e-4 else q end
        ) * ln(
            case when p = 0 then 1e-4 else p end / case when q = 0 then 1e-4 else q end
        )) as psi,
        sqrt(greatest(0.0,
            0.5 * sum(case when p > 0 then p * {{ ml_monitor.log2('p / ((p + q) / 2)') }} else 0 end)
            + 0.5 * sum(case when q > 0 then q * {{ ml_monitor.log2('q / ((p + q) / 2)') }} else 0 end)
        )) as js_distance,
        max(abs(p - q)) as linf,
        cast(max(n_total) as {{ ml_monitor.type_double() }}) * max(r_total)
            * sum(case when n + r > 0 then (p - q) * (p - q) / (n + r) else 0 end) as chi2_statistic,
        sum(case when n + r > 0 then 1 else 0 end) - 1 as chi2_dof,
        sum(case when q = 0 and n > 0 then 1 else 0 end) as new_categories,
        sum(case when q = 0 then p else 0 end) as unseen_share,
        min(case when r > 0
            then cast(n_total as {{ ml_monitor.type_double() }}) * (n + r) / (n_total + r_total) end) as min_expected,
        avg(case when r > 0
            then case when cast(n_total as {{ ml_monitor.type_double() }}) * (n + r) / (n_total + r_total) < 5
                                      then 1.0 else 0.0 end end) as small_expected_share
    from {{ shares }}
    group by {{ group_columns | join(', ') }}
{% endmacro %}
