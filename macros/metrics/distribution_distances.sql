{#- Distances between a serving and a reference distribution over the union of their
    categories, one row per group (DESIGN §4). `shares` is a relation or CTE with the
    group columns and, per category: n (serving count), n_total (serving count of the
    group), p (serving share), q (reference share).
      psi           Σ (p'−q')·ln(p'/q'), a zero share replaced by 1e-4 (no renormalisation)
      js_distance   √(½ Σ p·log2(p/m) + ½ Σ q·log2(q/m)), m = (p+q)/2, 0·log 0 = 0
      linf          max |p − q|
      chi2          Σ over q > 0 of (n − q·n_total)² / (q·n_total); dof = that count − 1
      new_categories / unseen_share: categories with q = 0 that occur in serving -#}
{% macro distribution_distances(shares, group_columns) %}
    select
        {{ group_columns | join(', ') }},
        max(n_total) as n,
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
        sum(case when q > 0 then (n - q * n_total) * (n - q * n_total) / (q * n_total) else 0 end) as chi2_statistic,
        sum(case when q > 0 then 1 else 0 end) - 1 as chi2_dof,
        sum(case when q = 0 and n > 0 then 1 else 0 end) as new_categories,
        sum(case when q = 0 then p else 0 end) as unseen_share
    from {{ shares }}
    group by {{ group_columns | join(', ') }}
{% endmacro %}
