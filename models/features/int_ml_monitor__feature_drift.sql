{#- Drift of every monitored feature per model and bucket against the reference split
    (DESIGN §4). Numeric features: PSI over 12 bins (the reference deciles, plus one bin below
    and one above the reference range) and the exact two-sample KS statistic. Categorical
    features: PSI, JS distance, L∞ and the share of values the reference never had.
    Evidence: the two-sample chi-square test on the bins or values (chi2_p_value) for every
    feature, and for numeric ones the two-sample KS test (ks_p_value, asymptotic Kolmogorov
    distribution), which is the p_value the decision uses for them (it needs no binning).
    The decision is made in ml_monitor_alert_tests; ml_monitor_feature_drift shows it.
    Incremental by bucket like the base tables; another configuration (config_version: the
    feature values' own, a new reference) recomputes every bucket. -#}
{{ config(pre_hook=ml_monitor.planner_settings(), **ml_monitor.incremental_by_bucket()) }}
{%- set double = ml_monitor.type_double() -%}
{%- set config_version = ml_monitor.config_version(['ml_monitor_features', 'ml_monitor_text_column'],
      {'reference': ml_monitor.reference_version()}) -%}

with serving_values as (

    select *
    from {{ ref('ml_monitor_base_feature_values') }}
    {%- if is_incremental() and not ml_monitor.base_is_stale(config_version) %}
    where {{ ml_monitor.recent_buckets_filter(column='bucket_start') }}
    {%- endif %}

),

serving_buckets as (

    select model_id, bucket_start, feature, feature_type, sum(n) as n_total
    from serving_values
    group by model_id, bucket_start, feature, feature_type

),

reference_totals as (

    select model_id, feature, sum(n) as n_total
    from {{ ref('ml_monitor_reference_feature_values') }}
    group by model_id, feature

),

{%- set bin_of -%}
    case
        when v.value_number < e.edge_0 then -1
        when v.value_number > e.edge_10 then 10
        {%- for decile in range(9, 0, -1) %}
        when v.value_number >= e.edge_{{ decile }} then {{ decile }}
        {%- endfor %}
        else 0
    end
{%- endset %}

serving_bins as (

    select v.model_id, v.bucket_start, v.feature, {{ bin_of }} as category, sum(v.n) as n
    from serving_values as v
    inner join {{ ref('ml_monitor_reference_feature_edges') }} as e on e.model_id = v.model_id and e.feature = v.feature
    where v.feature_type = 'numeric'
    group by 1, 2, 3, 4

),

reference_bins as (

    select v.model_id, v.feature, {{ bin_of }} as category, sum(v.n) as n
    from {{ ref('ml_monitor_reference_feature_values') }} as v
    inner join {{ ref('ml_monitor_reference_feature_edges') }} as e on e.model_id = v.model_id and e.feature = v.feature
    where v.feature_type = 'numeric'
    group by 1, 2, 3

),

-- one category list per bucket and feature: bins for numeric, values for categorical
serving_categories as (

    select model_id, bucket_start, feature, cast(category as {{ dbt.type_string() }}) as category, n from serving_bins
    union all
    select model_id, bucket_start, feature, value_string, n from serving_values where feature_type = 'categorical'

),

reference_categories as (

    select model_id, feature, cast(category as {{ dbt.type_string() }}) as category, n from reference_bins
    union all
    select model_id, feature, value_string, n from {{ ref('ml_monitor_reference_feature_values') }} where feature_type = 'categorical'

),

category_union as (

    select model_id, bucket_start, feature, category from serving_categories
    union
    select b.model_id, b.bucket_start, b.feature, r.category
    from serving_buckets as b
    inner join reference_categories as r on r.model_id = b.model_id and r.feature = b.feature

),

shares as (

    select
        c.model_id, c.bucket_start, c.feature,
        coalesce(s.n, 0) as n,
        b.n_total,
        cast(coalesce(s.n, 0) as {{ double }}) / b.n_total as p,
        coalesce(r.n, 0) as r,
        rt.n_total as r_total,
        cast(coalesce(r.n, 0) as {{ double }}) / rt.n_total as q
    from category_union as c
    inner join serving_buckets as b
        on b.model_id = c.model_id and b.bucket_start = c.bucket_start and b.feature = c.feature
    inner join reference_totals as rt
        on rt.model_id = c.model_id and rt.feature = c.feature
    left join serving_categories as s
        on s.model_id = c.model_id and s.bucket_start = c.bucket_start and s.feature = c.feature and s.category = c.category
    left join reference_categories as r
        on r.model_id = c.model_id and r.feature = c.feature and r.category = c.category

),

distances as (

    {{ ml_monitor.distribution_test('shares', ['model_id', 'bucket_start', 'feature']) }}

),

-- numeric: the exact KS statistic. Between two consecutive serving values the serving CDF
-- is flat, so the supremum is reached at a serving value s: at s itself, or just below it
-- (the serving CDF of the previous value against the reference CDF below s). So the
-- reference CDF is needed only at the values serving has, and it is evaluated once per
-- feature, not once per bucket. Running counts are summed as doubles (exact below 2^53):
-- a window over integer sums is several times slower on some engines.
ks_grid as (

    select model_id, feature, value_number, sum(n_reference) as n_reference
    from (
        select model_id, feature, value_number, 0 as n_reference
        from serving_values
        where feature_type = 'numeric'
        union all
        select model_id, feature, value_number, n
        from {{ ref('ml_monitor_reference_feature_values') }}
        where feature_type = 'numeric'
    ) as grid_points
    group by model_id, feature, value_number

),

reference_cdf as (

    select
        g.model_id, g.feature, g.value_number,
        sum(cast(g.n_reference as {{ double }})) over (partition by g.model_id, g.feature order by g.value_number
                                                    rows between unbounded preceding and current row) / rt.n_total as cdf_at,
        (sum(cast(g.n_reference as {{ double }})) over (partition by g.model_id, g.feature order by g.value_number
                                                     rows between unbounded preceding and current row) - g.n_reference) / rt.n_total as cdf_below
    from ks_grid as g
    inner join reference_totals as rt
        on rt.model_id = g.model_id and rt.feature = g.feature

),

serving_cdf as (

    select
        v.model_id, v.bucket_start, v.feature, v.value_number,
        sum(cast(v.n as {{ double }})) over (partition by v.model_id, v.bucket_start, v.feature order by v.value_number
                                          rows between unbounded preceding and current row) / b.n_total as cdf_at,
        (sum(cast(v.n as {{ double }})) over (partition by v.model_id, v.bucket_start, v.feature order by v.value_number
                                           rows between unbounded preceding and current row) - v.n) / b.n_total as cdf_below
    from serving_values as v
    inner join serving_buckets as b
        on b.model_id = v.model_id and b.bucket_start = v.bucket_start and b.feature = v.feature
    where v.feature_type = 'numeric'

),

ks as (

    select
        s.model_id, s.bucket_start, s.feature,
        max(greatest(abs(s.cdf_at - r.cdf_at), abs(s.cdf_below - r.cdf_below))) as ks_statistic
    from serving_cdf as s
    inner join reference_cdf as r
        on r.model_id = s.model_id and r.feature = s.feature and r.value_number = s.value_number
    group by s.model_id, s.bucket_start, s.feature

),

tested as (

    select
        d.*,
        b.feature_type,
        ks.ks_statistic,
        case when ks.ks_statistic is not null
             then {{ ml_monitor.ks_2samp_p_value('ks.ks_statistic', 'd.n', 'd.n_reference') }} end as ks_p_value
    from distances as d
    inner join serving_buckets as b
        on b.model_id = d.model_id and b.bucket_start = d.bucket_start and b.feature = d.feature
    left join ks
        on ks.model_id = d.model_id and ks.bucket_start = d.bucket_start and ks.feature = d.feature

)

select
    model_id,
    bucket_start,
    feature,
    feature_type,
    cast(n as {{ dbt.type_bigint() }}) as n,
    cast(n_reference as {{ dbt.type_bigint() }}) as n_reference,
    psi,
    js_distance,
    ks_statistic,
    case when feature_type = 'categorical' then linf end as linf,
    case when feature_type = 'categorical' then unseen_share end as unseen_share,
    chi2_statistic,
    cast(chi2_dof as integer) as chi2_dof,
    chi2_p_value,
    ks_p_value,
    case when feature_type = 'categorical' then chi2_p_value
         when n_reference >= {{ var('ml_monitor_min_reference_rows') }} then ks_p_value end as p_value,
    case when feature_type = 'numeric' then {{ ml_monitor.evidence_note([
             ('ks_p_value is null', 'no_reference'),
             ('n_reference < ' ~ var('ml_monitor_min_reference_rows'), 'reference_too_small'),
         ]) }}
         else evidence_note end as evidence_note,
    {{ ml_monitor.string_literal(config_version) }} as config_version
from tested
