{#- Confidence per model, bucket, cohort and predicted class, with the evidence for an
    anomaly: the bucket mean m against the previous W bucket means (W = first rolling
    window; mean μ_b, sample standard deviation s_b), as
        t = (m − μ_b) / √(s_b² + s²/n),   Student t with (baseline buckets − 1) degrees of freedom,
    two-sided. s_b holds the baseline's spread, s²/n the bucket's own standard error, so a
    baseline without any variance still detects a move. z_score is the plain
    (m − μ_b) / s_b, kept for charts. The decision is made in ml_monitor_alert_tests. -#}
{%- set window = ml_monitor.setting('ml_monitor_rolling_windows')[0] -%}

with series as (

    select
        model_id, bucket_start, cohort_name, cohort_value, predicted_class,
        n, mean_confidence, m2_confidence, min_confidence, max_confidence,
        p10_confidence, p50_confidence, p90_confidence
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class'

),

baselines as (

    -- the previous W calendar buckets of the series; empty ones have a NULL mean and are skipped
    {%- set frame = "over (partition by model_id, cohort_name, cohort_value, predicted_class"
          ~ " order by bucket_start rows between " ~ window ~ " preceding and 1 preceding)" %}
    select
        model_id, bucket_start, cohort_name, cohort_value, predicted_class,
        count(mean_confidence) {{ frame }} as baseline_buckets,
        avg(mean_confidence) {{ frame }} as baseline_mean,
        stddev_samp(mean_confidence) {{ frame }} as baseline_stddev
    from {{ ref('ml_monitor_series_buckets') }}

),

scored as (

    select
        s.*,
        case when s.n > 1 then s.m2_confidence / (s.n - 1) end as var_confidence,
        coalesce(b.baseline_buckets, 0) as baseline_buckets,
        b.baseline_mean,
        b.baseline_stddev,
        -- undefined when the previous means agree up to rounding: a ratio of rounding noise
        -- would be any number, and differ between two runs of the same data
        case when b.baseline_stddev > 1e-12
            then (s.mean_confidence - b.baseline_mean) / b.baseline_stddev end as z_score,
        s.mean_confidence - b.baseline_mean as delta,
        b.baseline_stddev * b.baseline_stddev
            + case when s.n > 1 then s.m2_confidence / (s.n - 1) / s.n else 0 end as standard_error_squared
    from series as s
    left join baselines as b
        on {{ ml_monitor.same_series('b', 's', ['predicted_class']) }}

),

tested as (

    select
        *,
        -- rounding noise (1e-12) is no move, and no spread is no noise: a real move is certain
        case
            when standard_error_squared > 1e-24 then delta / sqrt(standard_error_squared)
            when abs(delta) > 1e-12 then sign(delta) * 1e6
        end as t_statistic,
        {{ ml_monitor.evidence_note([
            ('baseline_buckets < ' ~ ml_monitor.setting('ml_monitor_min_training_buckets')
                ~ ' or baseline_buckets < 2', 'no_baseline'),
            ('n < 2', 'too_few_rows'),
        ]) }} as evidence_note
    from scored

)

select
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    predicted_class,
    n,
    mean_confidence,
    var_confidence,
    sqrt(var_confidence) as stddev_confidence,
    min_confidence,
    max_confidence,
    p10_confidence,
    p50_confidence,
    p90_confidence,
    cast(baseline_buckets as integer) as baseline_buckets,
    baseline_mean,
    baseline_stddev,
    z_score,
    t_statistic,
    cast(case when baseline_buckets >= 2 then baseline_buckets - 1 end as integer) as t_dof,
    case
        when evidence_note is not null then null
        when t_statistic is null then 1.0  -- no spread on either side and no move
        else least(1.0, 2 * {{ ml_monitor.student_t_sf('abs(t_statistic)', 'baseline_buckets - 1') }})
    end as p_value,
    evidence_note
from tested
