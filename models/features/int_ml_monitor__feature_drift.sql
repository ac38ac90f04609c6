{#- Drift of every monitored feature per model, bucket and cohort against the reference split
    (DESIGN §4). A cohort value is compared with the training rows of the same cohort value
    when there are at least ml_monitor_min_reference_cohort_rows of them (like with like),
    else with the whole training split (reference_scope says which); the numeric bins are
    the population's. Numeric features: PSI over 12 bins (the reference deciles, plus one bin below
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
{%- set min_rows = ml_monitor.setting('ml_monitor_min_reference_cohort_rows') -%}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
{%- set config_version = ml_monitor.config_version(['ml_monitor_features', 'ml_monitor_text_column'],
      {'reference': ml_monitor.reference_version()}) -%}

with serving_values as (

    select *
    from {{ ref('ml_monitor_base_feature_values') }}
    {%- if is_incremental() and not ml_monitor.base_is_stale(config_version) %}
    where {{ ml_monitor.recent_buckets_filter(column='bucket_start') }}
    {%- endif %}

),

reference_values as (

    select * from {{ ref('ml_monitor_reference_feature_values') }}

),

serving_buckets as (

    select model_id, bucket_start, cohort_name, cohort_value, feature, feature_type, sum(n) as n_total
    from serving_values
    group by model_id, bucket_start, cohort_name, cohort_value, feature, feature_type

),

reference_totals as (

    select model_id, cohort_name, cohort_value, feature, sum(n) as n_total
    from reference_values
    group by model_id, cohort_name, cohort_value, feature

),

-- the reference of each series: its cohort value's own training rows when there are enough
reference_keys as (

    select
        s.model_id, s.cohort_name, s.cohort_value, s.feature,
        case when own.n_total >= {{ min_rows }} then 'cohort' else 'model' end as reference_scope,
        case when own.n_total >= {{ min_rows }} then s.cohort_name else {{ all }} end as reference_cohort_name,
        case when own.n_total >= {{ min_rows }} then s.cohort_value else {{ all }} end as reference_cohort_value
    from (select distinct model_id, cohort_name, cohort_value, feature from serving_buckets) as s
    left join reference_totals as own
        on own.model_id = s.model_id and own.cohort_name = s.cohort_name
        and own.cohort_value = s.cohort_value and own.feature = s.feature

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

    select v.model_id, v.bucket_start, v.cohort_name, v.cohort_value, v.feature, {{ bin_of }} as category, sum(v.n) as n
    from serving_values as v
    inner join {{ ref('ml_monitor_reference_feature_edges') }} as e on e.model_id = v.model_id and e.feature = v.feature
    where v.feature_type = 'numeric'
    group by 1, 2, 3, 4, 5, 6

),

reference_bins as (

    select v.model_id, v.cohort_name, v.cohort_value, v.feature, {{ bin_of }} as category, sum(v.n) as n
    from reference_values as v
    inner join {{ ref('ml_monitor_reference_feature_edges') }} as e on e.model_id = v.model_id and e.feature = v.feature
    where v.feature_type = 'numeric'
    group by 1, 2, 3, 4, 5

),

-- one category list per bucket, cohort and feature: bins for numeric, values for categorical
serving_categories as (

    select model_id, bucket_start, cohort_name, cohort_value, feature, cast(category as {{ dbt.type_string() }}) as category, n
    from serving_bins
    union all
    select model_id, bucket_start, cohort_name, cohort_value, feature, value_string, n
    from serving_values
    where feature_type = 'categorical'

),

reference_categories as (

    select model_id, cohort_name, cohort_value, feature, cast(category as {{ dbt.type_string() }}) as category, n
    from reference_bins
    union all
    select model_id, cohort_name, cohort_value, feature, value_string, n
    from reference_values
    where feature_type = 'categorical'

),

-- the serving series with their reference's keys
series as (

    select b.*, k.reference_scope, k.reference_cohort_name, k.reference_cohort_value
    from serving_buckets as b
    inner join reference_keys as k
        on k.model_id = b.model_id and k.cohort_name = b.cohort_name
        and k.cohort_value = b.cohort_value and k.feature = b.feature

),

category_union as (

    select model_id, bucket_start, cohort_name, cohort_value, feature, category from serving_categories
    union
    select b.model_id, b.bucket_start, b.cohort_name, b.cohort_value, b.feature, r.category
    from series as b
    inner join reference_categories as r
        on r.model_id = b.model_id and r.cohort_name = b.reference_cohort_name
        and r.cohort_value = b.reference_cohort_value and r.feature = b.feature

),

shares as (

    select
        c.model_id, c.bucket_start, c.cohort_name, c.cohort_value, c.feature,
        coalesce(s.n, 0) as n,
        b.n_total,
        cast(coalesce(s.n, 0) as {{ double }}) / b.n_total as p,
        coalesce(r.n, 0) as r,
        rt.n_total as r_total,
        cast(coalesce(r.n, 0) as {{ double }}) / rt.n_total as q
    from category_union as c
    inner join series as b
        on b.model_id = c.model_id and b.bucket_start = c.bucket_start and b.cohort_name = c.cohort_name
        and b.cohort_value = c.cohort_value and b.feature = c.feature
    inner join reference_totals as rt
        on rt.model_id = b.model_id and rt.cohort_name = b.reference_cohort_name
        and rt.cohort_value = b.reference_cohort_value and rt.feature = b.feature
    left join serving_categories as s
        on s.model_id = c.model_id and s.bucket_start = c.bucket_start and s.cohort_name = c.cohort_name
        and s.cohort_value = c.cohort_value and s.feature = c.feature and s.category = c.category
    left join reference_categories as r
        on r.model_id = b.model_id and r.cohort_name = b.reference_cohort_name
        and r.cohort_value = b.reference_cohort_value and r.feature = b.feature and r.category = c.category

),

distances as (

    {{ ml_monitor.distribution_test('shares', ['model_id', 'bucket_start', 'cohort_name', 'cohort_value', 'feature']) }}

),

-- numeric: the exact KS statistic. Between two consecutive serving values the serving CDF
-- is flat, so the supremum is reached at a serving value s: at s itself, or just below it
-- (the serving CDF of the previous value against the reference CDF below s). So each
-- reference CDF is needed only at the values its serving series have, and it is evaluated
-- once per reference, not once per bucket. Running counts are summed as doubles (exact
-- below 2^53): a window over integer sums is several times slower on some engines.
ks_grid as (

    select model_id, reference_cohort_name, reference_cohort_value, feature, value_number, sum(n_reference) as n_reference
    from (
        select v.model_id, k.reference_cohort_name, k.reference_cohort_value, v.feature, v.value_number, 0 as n_reference
        from serving_values as v
        inner join reference_keys as k
            on k.model_id = v.model_id and k.cohort_name = v.cohort_name
            and k.cohort_value = v.cohort_value and k.feature = v.feature
        where v.feature_type = 'numeric'
        union all
        select model_id, cohort_name, cohort_value, feature, value_number, n
        from reference_values
        where feature_type = 'numeric'
    ) as grid_points
    group by model_id, reference_cohort_name, reference_cohort_value, feature, value_number

),

reference_cdf as (

    select
        g.model_id, g.reference_cohort_name, g.reference_cohort_value, g.feature, g.value_number,
        sum(cast(g.n_reference as {{ double }})) over (
            partition by g.model_id, g.reference_cohort_name, g.reference_cohort_value, g.feature order by g.value_number
            rows between unbounded preceding and current row) / rt.n_total as cdf_at,
        (sum(cast(g.n_reference as {{ double }})) over (
            partition by g.model_id, g.reference_cohort_name, g.reference_cohort_value, g.feature order by g.value_number
            rows between unbounded preceding and current row) - g.n_reference) / rt.n_total as cdf_below
    from ks_grid as g
    inner join reference_totals as rt
        on rt.model_id = g.model_id and rt.cohort_name = g.reference_cohort_name
        and rt.cohort_value = g.reference_cohort_value and rt.feature = g.feature

),

serving_cdf as (

    select
        v.model_id, v.bucket_start, b.reference_cohort_name, b.reference_cohort_value, v.cohort_name, v.cohort_value,
        v.feature, v.value_number,
        sum(cast(v.n as {{ double }})) over (
            partition by v.model_id, v.bucket_start, v.cohort_name, v.cohort_value, v.feature order by v.value_number
            rows between unbounded preceding and current row) / b.n_total as cdf_at,
        (sum(cast(v.n as {{ double }})) over (
            partition by v.model_id, v.bucket_start, v.cohort_name, v.cohort_value, v.feature order by v.value_number
            rows between unbounded preceding and current row) - v.n) / b.n_total as cdf_below
    from serving_values as v
    inner join series as b
        on b.model_id = v.model_id and b.bucket_start = v.bucket_start and b.cohort_name = v.cohort_name
        and b.cohort_value = v.cohort_value and b.feature = v.feature
    where v.feature_type = 'numeric'

),

ks as (

    select
        s.model_id, s.bucket_start, s.cohort_name, s.cohort_value, s.feature,
        max(greatest(abs(s.cdf_at - r.cdf_at), abs(s.cdf_below - r.cdf_below))) as ks_statistic
    from serving_cdf as s
    inner join reference_cdf as r
        on r.model_id = s.model_id and r.reference_cohort_name = s.reference_cohort_name
        and r.reference_cohort_value = s.reference_cohort_value and r.feature = s.feature
        and r.value_number = s.value_number
    group by s.model_id, s.bucket_start, s.cohort_name, s.cohort_value, s.feature

),

tested as (

    select
        d.*,
        b.feature_type,
        b.reference_scope,
        ks.ks_statistic,
        case when ks.ks_statistic is not null
             then {{ ml_monitor.ks_2samp_p_value('ks.ks_statistic', 'd.n', 'd.n_reference') }} end as ks_p_value
    from distances as d
    inner join series as b
        on b.model_id = d.model_id and b.bucket_start = d.bucket_start and b.cohort_name = d.cohort_name
        and b.cohort_value = d.cohort_value and b.feature = d.feature
    left join ks
        on ks.model_id = d.model_id and ks.bucket_start = d.bucket_start and ks.cohort_name = d.cohort_name
        and ks.cohort_value = d.cohort_value and ks.feature = d.feature

)

select
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    feature,
    feature_type,
    cast(n as {{ dbt.type_bigint() }}) as n,
    cast(n_reference as {{ dbt.type_bigint() }}) as n_reference,
    reference_scope,
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
         when n_reference >= {{ ml_monitor.setting('ml_monitor_min_reference_rows') }} then ks_p_value end as p_value,
    case when feature_type = 'numeric' then {{ ml_monitor.evidence_note([
             ('ks_p_value is null', 'no_reference'),
             ('n_reference < ' ~ ml_monitor.setting('ml_monitor_min_reference_rows'), 'reference_too_small'),
         ]) }}
         else evidence_note end as evidence_note,
    {{ ml_monitor.string_literal(config_version) }} as config_version
from tested
