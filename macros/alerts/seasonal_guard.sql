{#- The seasonal guard of a mix test (class mix, label mix). A weekly pattern is expected,
    not drift: the reference (holdout or training split) has no timestamps and mixes every
    day, so a weekend whose mix really differs from it would alert every week. The guard tests
    each bucket's counts against the pooled counts of the same point of the week over the
    previous ml_monitor_seasonal_weeks weeks (ml_monitor_seasonal_buckets) with the same
    two-sample chi-square (ml_monitor.distribution_test), and combines both tests as an
    intersection–union test: p_value is the larger of the two p-values, so a bucket alerts
    only when it differs from its reference AND from its own recent weekdays (the effect is
    still the distance to the reference). With fewer than 2 earlier buckets holding rows of
    the series, or no chi-square against them (seasonal_reference says why), the reference
    test decides alone.
    `tested`: the monitor's columns, one row per (model_id, bucket_start, cohort_name,
    cohort_value), with the reference test's reference_p_value and evidence_note; `counts`:
    the bucket counts, those keys, `category` and n. Returns tested's columns, the seasonal
    test's and p_value. -#}
{% macro seasonal_guard(tested, counts, category) %}
{%- set keys = ['model_id', 'bucket_start', 'cohort_name', 'cohort_value'] -%}
{#- one earlier weekday cannot tell a weekly pattern from a one-off day -#}
{%- set min_buckets = 2 -%}
    select
        guarded.*,
        case when guarded.evidence_note is null and guarded.seasonal_reference = 'recent_weeks'
             then greatest(guarded.reference_p_value, guarded.seasonal_p_value)
             else guarded.reference_p_value end as p_value
    from (
        select
            t.*,
            cast(coalesce(b.seasonal_buckets, 0) as integer) as seasonal_buckets,
            cast(s.n_reference as {{ dbt.type_bigint() }}) as seasonal_n,
            s.js_distance as seasonal_js_distance,
            s.chi2_statistic as seasonal_chi2_statistic,
            s.chi2_p_value as seasonal_p_value,
            case
                when {{ ml_monitor.setting('ml_monitor_seasonal_weeks') }} = 0 then 'off'
                when coalesce(b.seasonal_buckets, 0) < {{ min_buckets }} then 'too_few_buckets'
                when s.evidence_note is not null then s.evidence_note
                else 'recent_weeks'
            end as seasonal_reference
        from {{ tested }} as t
        left join (
            -- the earlier buckets holding rows of the series
            select earlier.model_id, earlier.bucket_start, c.cohort_name, c.cohort_value,
                   count(distinct earlier.seasonal_bucket_start) as seasonal_buckets
            from {{ ref('ml_monitor_seasonal_buckets') }} as earlier
            inner join {{ counts }} as c
                on c.model_id = earlier.model_id and c.bucket_start = earlier.seasonal_bucket_start
            where c.n > 0
            group by earlier.model_id, earlier.bucket_start, c.cohort_name, c.cohort_value
        ) as b
            on {{ ml_monitor.same_series('b', 't') }}
        left join (
            {%- set shares = '(' ~ ml_monitor.seasonal_shares(counts, category, keys) ~ ') as shares' %}
            {{ ml_monitor.distribution_test(shares, keys) | indent(12) }}
        ) as s
            on {{ ml_monitor.same_series('s', 't') }}
    ) as guarded
{% endmacro %}
