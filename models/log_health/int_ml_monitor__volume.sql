{#- Rows logged against the volume expected of the bucket, per model, bucket (every complete
    bucket of the spine, empty ones included; the bucket holding "now" is still filling and
    left out) and cohort value ('__all__': the whole population).
    Expected: a seasonal baseline, the mean of the same bucket of the week (daily grain: the
    same weekday; hourly: the same hour of the week; weekly: the previous weeks) over the
    last ml_monitor_volume_baseline_weeks weeks, so quiet weekends are no drop.
    Evidence, one-sided in each direction (p_value_drop: P(X <= n), p_value_spike:
    P(X >= n)): Poisson with the expected mean, written with the chi-square relation
    P(X <= k) = chi2_sf(2λ, 2(k + 1)); when the baseline is overdispersed (its variance above
    its mean) a negative binomial with the baseline's own variance, by its normal
    approximation with a continuity correction (macros/stats has no incomplete beta).
    A cohort's share of its model's rows is tested too (two-proportion z test against its
    share over the same baseline buckets, two-sided): a channel falling silent while the
    total looks normal. The decisions (volume_drop, volume_spike, cohort_volume_share) are
    made in ml_monitor_alert_tests; ml_monitor_volume shows them. -#}
{%- set double = ml_monitor.type_double() -%}
{%- set weeks = ml_monitor.setting('ml_monitor_volume_baseline_weeks') -%}
{%- set season = {'hour': 168, 'day': 7, 'week': 1}[ml_monitor.time_grain()] -%}
{%- set baseline_window -%}
    partition by model_id, cohort_name, cohort_value, season_index
    order by bucket_start
    rows between {{ weeks }} preceding and 1 preceding
{%- endset %}

with spine as (

    select
        model_id,
        bucket_start,
        mod(row_number() over (partition by model_id order by bucket_start) - 1, {{ season }}) as season_index
    from {{ ref('ml_monitor_bucket_spine') }}
    where bucket_start < {{ ml_monitor.current_bucket() }}

),

counts as (

    select model_id, bucket_start, cohort_name, cohort_value, n_rows, n_excluded
    from {{ ref('ml_monitor_volume_counts') }}

),

series as (

    select distinct model_id, cohort_name, cohort_value
    from counts

),

grid as (

    select
        spine.model_id,
        spine.bucket_start,
        spine.season_index,
        series.cohort_name,
        series.cohort_value,
        coalesce(c.n_rows, 0) as n_rows,
        coalesce(c.n_excluded, 0) as n_excluded
    from spine
    inner join series
        on series.model_id = spine.model_id
    left join counts as c
        on c.model_id = spine.model_id
        and c.bucket_start = spine.bucket_start
        and c.cohort_name = series.cohort_name
        and c.cohort_value = series.cohort_value

),

with_totals as (

    select g.*, coalesce(total.n_rows, 0) as n_model_rows
    from grid as g
    left join counts as total
        on total.model_id = g.model_id
        and total.bucket_start = g.bucket_start
        and total.cohort_name = '__all__'

),

baselines as (

    select
        *,
        count(*) over ({{ baseline_window }}) as baseline_buckets,
        avg(cast(n_rows as {{ double }})) over ({{ baseline_window }}) as expected_rows,
        var_samp(cast(n_rows as {{ double }})) over ({{ baseline_window }}) as baseline_variance,
        sum(n_rows) over ({{ baseline_window }}) as baseline_rows,
        sum(n_model_rows) over ({{ baseline_window }}) as baseline_model_rows
    from with_totals

),

measured as (

    select
        *,
        baseline_buckets = {{ weeks }} and baseline_variance > expected_rows as is_overdispersed,
        case when expected_rows > 0 then n_rows / expected_rows end as volume_ratio,
        case when n_model_rows > 0 then cast(n_rows as {{ double }}) / n_model_rows end as share,
        case when baseline_model_rows > 0
            then cast(baseline_rows as {{ double }}) / baseline_model_rows end as baseline_share,
        -- the chi-square relation's arguments: P(X <= k) = chi2_sf(2λ, 2(k + 1)), P(X >= k) = 1 - chi2_sf(2λ, 2k)
        2 * expected_rows as poisson_x,
        cast(2 * (n_rows + 1) as integer) as dof_at_most,
        cast(2 * n_rows as integer) as dof_at_least,
        -- the negative binomial's z with a continuity correction, each direction (its
        -- variance is above its mean, so above 0)
        case when baseline_variance > expected_rows
             then (expected_rows - n_rows - 0.5) / sqrt(baseline_variance) end as z_drop,
        case when baseline_variance > expected_rows
             then (n_rows - 0.5 - expected_rows) / sqrt(baseline_variance) end as z_spike
    from baselines

),

shares as (

    -- the pooled share of the two-proportion z test of the bucket's share against the baseline's
    select
        *,
        case when n_model_rows > 0 and baseline_model_rows > 0
             then cast(n_rows + baseline_rows as {{ double }}) / (n_model_rows + baseline_model_rows) end
                 as pooled_share
    from measured

),

share_z as (

    select
        *,
        case when pooled_share > 0 and pooled_share < 1
             then abs(share - baseline_share) / sqrt(pooled_share * (1 - pooled_share)
                  * (1e0 / n_model_rows + 1e0 / baseline_model_rows))
             else 0 end as share_abs_z
    from shares

)

select
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    cast(n_rows as {{ dbt.type_bigint() }}) as n_rows,
    cast(n_excluded as {{ dbt.type_bigint() }}) as n_excluded,
    cast(baseline_buckets as integer) as baseline_buckets,
    expected_rows,
    baseline_variance,
    volume_ratio,
    expected_rows * {{ ml_monitor.setting('ml_monitor_volume_drop') }} as expected_low,
    expected_rows * {{ ml_monitor.setting('ml_monitor_volume_spike') }} as expected_high,
    case when baseline_buckets = {{ weeks }} then
        case when is_overdispersed then 'negative_binomial' else 'poisson' end end as volume_test,
    case
        when baseline_buckets < {{ weeks }} then null
        when is_overdispersed then {{ ml_monitor.normal_sf('z_drop') }}
        else {{ ml_monitor.chi2_sf('poisson_x', 'dof_at_most') }}
    end as p_value_drop,
    case
        when baseline_buckets < {{ weeks }} then null
        when n_rows = 0 then 1e0
        when is_overdispersed then {{ ml_monitor.normal_sf('z_spike') }}
        else 1 - {{ ml_monitor.chi2_sf('poisson_x', 'dof_at_least') }}
    end as p_value_spike,
    cast(n_model_rows as {{ dbt.type_bigint() }}) as n_model_rows,
    share,
    baseline_share,
    case when baseline_share > 0 then share / baseline_share end as share_ratio,
    case when cohort_name <> '__all__' and baseline_buckets = {{ weeks }} and share is not null
        and baseline_share is not null
         then 2 * {{ ml_monitor.normal_sf('share_abs_z') }} end as p_value_share,
    case
        when baseline_buckets < {{ weeks }} then 'no_baseline'
        when cohort_name <> '__all__' and (share is null or baseline_share is null) then 'too_few_rows'
    end as evidence_note
from share_z
