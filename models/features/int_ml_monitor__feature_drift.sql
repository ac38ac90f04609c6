{#- Drift of every monitored feature per model, bucket and cohort against the reference split
    (DESIGN §4). A cohort value is compared with the training rows of the same cohort value
    when there are at least ml_monitor_min_reference_cohort_rows of them (like with like),
    else with the whole training split (reference_scope says which); the numeric bins are
    the population's. Numeric features: PSI over 12 bins (the reference deciles, plus one bin
    below and one above the reference range: ml_monitor.feature_categories) and the exact
    two-sample KS statistic (ml_monitor.feature_ks_statistics). Categorical
    features: PSI, JS distance, L∞ and the share of values the reference never had.
    Evidence: the two-sample chi-square test on the bins or values (chi2_p_value) for every
    feature, and for numeric ones the two-sample KS test (ks_p_value, asymptotic Kolmogorov
    distribution), which is the p_value the decision uses for them (it needs no binning).
    The decision is made in ml_monitor_alert_tests; ml_monitor_feature_drift shows it.
    Incremental by bucket like the base tables; another configuration (config_version: the
    feature values' own, a new reference) recomputes every bucket. -#}
{{ config(**ml_monitor.incremental_by_bucket(pre_hook=ml_monitor.planner_settings())) }}
{%- set double = ml_monitor.type_double() -%}
{%- set min_rows = ml_monitor.setting('ml_monitor_min_reference_cohort_rows') -%}
{%- set min_reference_rows = ml_monitor.setting('ml_monitor_min_reference_rows') -%}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
{%- set config_version = ml_monitor.config_version(['ml_monitor_features', 'ml_monitor_text_column'],
      {'reference': ml_monitor.reference_version()}) -%}

{#- the value counts of the buckets computed, read by each step that needs them rather than
    shared in a CTE: engines that materialise a CTE read more than once would copy all of
    them, every column (DuckDB at 10 M predictions: 10 M rows, 27 % of the model's time) -#}
{%- set serving_values -%}
    (select * from {{ ref('ml_monitor_base_feature_values') }}
    {%- if is_incremental() and not ml_monitor.base_is_stale(config_version) %}
     where {{ ml_monitor.recent_buckets_filter(column='bucket_start') }}
    {%- endif %})
{%- endset %}

with reference_values as (

    select * from {{ ref('ml_monitor_reference_feature_values') }}

),

serving_buckets as (

    select model_id, bucket_start, cohort_name, cohort_value, feature, feature_type, sum(n) as n_total
    from {{ serving_values }} as v
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

-- the categories: numeric bins or categorical values (ml_monitor.feature_categories)
serving_categories as (

    {{ ml_monitor.feature_categories(serving_values, ['model_id', 'bucket_start', 'cohort_name', 'cohort_value']) }}

),

reference_categories as (

    {{ ml_monitor.feature_categories('reference_values', ['model_id', 'cohort_name', 'cohort_value']) }}

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
    inner join series as b on {{ ml_monitor.same_series('b', 'c', ['feature']) }}
    inner join reference_totals as rt
        on rt.model_id = b.model_id and rt.cohort_name = b.reference_cohort_name
        and rt.cohort_value = b.reference_cohort_value and rt.feature = b.feature
    left join serving_categories as s on {{ ml_monitor.same_series('s', 'c', ['feature', 'category']) }}
    left join reference_categories as r
        on r.model_id = b.model_id and r.cohort_name = b.reference_cohort_name
        and r.cohort_value = b.reference_cohort_value and r.feature = b.feature and r.category = c.category

),

distances as (

    {{ ml_monitor.distribution_test('shares', ['model_id', 'bucket_start', 'cohort_name', 'cohort_value', 'feature']) }}

),

ks as (

    {{ ml_monitor.feature_ks_statistics(serving_values, 'series', 'reference_values', 'reference_totals') }}

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
    inner join series as b on {{ ml_monitor.same_series('b', 'd', ['feature']) }}
    left join ks on {{ ml_monitor.same_series('ks', 'd', ['feature']) }}

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
         when n_reference >= {{ min_reference_rows }} then ks_p_value end as p_value,
    case when feature_type = 'numeric' then {{ ml_monitor.evidence_note([
             ('ks_p_value is null', 'no_reference'),
             ('n_reference < ' ~ min_reference_rows, 'reference_too_small'),
         ]) }}
         else evidence_note end as evidence_note,
    {{ ml_monitor.config_version_literal(config_version) }} as config_version
from tested
