{#- Label coverage per model, bucket and cohort value ('__all__': the whole population):
    the counts and label lags of ml_monitor_label_counts (incremental by label arrival)
    against the usual coverage.
    Usual coverage, from the ml_monitor_rolling_windows[0] buckets before:
    - a cohort value: the median of its coverage relative to its model's, times its model's
      coverage in the bucket. Every cohort waits for labels alike, so a cohort compared with
      its model's same bucket needs no lag: a country whose labels stop stands out at once;
    - the whole population: the median of its coverage, judged only in buckets older than
      the usual lag (the model's p90 label lag; evidence_note no_label_lag without labeled_at),
      since recent buckets are still waiting for their labels.
    Evidence: one-sided binomial test of the labelled count against n × usual coverage, by
    its normal approximation with a continuity correction (macros/stats has no incomplete
    beta). The decision (label_coverage_drop: coverage below
    ml_monitor_min_label_coverage_ratio × usual) is made in ml_monitor_alert_tests;
    ml_monitor_label_coverage shows it. -#}
{%- set double = ml_monitor.type_double() -%}
{%- set window = ml_monitor.setting('ml_monitor_rolling_windows')[0] -%}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}

with coverage as (

    select
        c.model_id,
        c.bucket_start,
        c.cohort_name,
        c.cohort_value,
        c.n_predictions,
        c.n_labelled,
        c.lag_p50_hours,
        c.lag_p90_hours,
        cast(c.n_labelled as {{ double }}) / c.n_predictions as coverage,
        cast(c.n_labelled as {{ double }}) / c.n_predictions / nullif(m.coverage, 0) as relative_coverage,
        m.coverage as model_coverage
    from {{ ref('ml_monitor_label_counts') }} as c
    inner join (
        select model_id, bucket_start, cast(n_labelled as {{ double }}) / n_predictions as coverage
        from {{ ref('ml_monitor_label_counts') }}
        where cohort_name = {{ all }}
    ) as m
        on m.model_id = c.model_id and m.bucket_start = c.bucket_start

),

usual_lag as (

    {#- every label's lag: only a labels table has labeled_at, and then it reads the labelled
        predictions of the whole log (an exact percentile needs every row) -#}
    {%- if ml_monitor.setting('ml_monitor_labels_table') %}
    select
        model_id,
        {{ ml_monitor.array_element(ml_monitor.percentiles_cont('lag_hours', [0.9]), 1) }} as usual_lag_hours
    from (
        {{ ml_monitor.labeled_predictions('p.model_id, ' ~ ml_monitor.label_lag_hours() ~ ' as lag_hours,') }}
    ) as lags
    group by model_id
    {%- else %}
    select distinct model_id, cast(null as {{ double }}) as usual_lag_hours
    from coverage
    {%- endif %}

),

recent_coverage as (

    -- the window's buckets before each bucket, with data (an empty bucket has no coverage)
    select
        c.model_id,
        c.bucket_start,
        c.cohort_name,
        c.cohort_value,
        count(*) as baseline_buckets,
        {{ ml_monitor.array_element(ml_monitor.percentiles_cont('b.coverage', [0.5]), 1) }} as median_coverage,
        {{ ml_monitor.array_element(ml_monitor.percentiles_cont('b.relative_coverage', [0.5]), 1) }}
            as median_relative_coverage
    from coverage as c
    inner join coverage as b
        on b.model_id = c.model_id
        and b.cohort_name = c.cohort_name
        and b.cohort_value = c.cohort_value
        and b.bucket_start < c.bucket_start
        and b.bucket_start >= {{ ml_monitor.shift_buckets(-window, 'c.bucket_start') }}
    group by c.model_id, c.bucket_start, c.cohort_name, c.cohort_value

),

expected as (

    select
        c.*,
        u.usual_lag_hours,
        coalesce(t.baseline_buckets, 0) as baseline_buckets,
        case when c.cohort_name = '__all__' then t.median_coverage
             else t.median_relative_coverage * c.model_coverage end as usual_coverage,
        -- the population is judged once the usual lag has passed since the bucket's end
        c.cohort_name <> '__all__'
            or {{ dbt.dateadd('second', 'cast(3600 * u.usual_lag_hours as integer)',
                              ml_monitor.shift_buckets(1, 'c.bucket_start')) }}
        <= {{ ml_monitor.run_now() }} as is_settled
    from coverage as c
    left join usual_lag as u
        on u.model_id = c.model_id
    left join recent_coverage as t
        on {{ ml_monitor.same_series('t', 'c') }}

),

tested as (

    select
        *,
        case when usual_coverage > 0 and usual_coverage < 1
             then (n_predictions * usual_coverage - n_labelled - 0.5)
                  / sqrt(n_predictions * usual_coverage * (1 - usual_coverage)) end as z_drop
    from expected

)

select
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    cast(n_predictions as {{ dbt.type_bigint() }}) as n_predictions,
    cast(n_labelled as {{ dbt.type_bigint() }}) as n_labelled,
    coverage,
    cast(usual_coverage as {{ double }}) as usual_coverage,
    case when usual_coverage > 0 then coverage / usual_coverage end as coverage_ratio,
    cast(lag_p50_hours as {{ double }}) as lag_p50_hours,
    cast(lag_p90_hours as {{ double }}) as lag_p90_hours,
    cast(usual_lag_hours as {{ double }}) as usual_lag_hours,
    cast(baseline_buckets as integer) as baseline_buckets,
    case when baseline_buckets = {{ window }} and coalesce(is_settled, false) and z_drop is not null
         then {{ ml_monitor.normal_sf('z_drop') }} end as p_value,
    case
        when baseline_buckets < {{ window }} then 'no_baseline'
        when cohort_name = '__all__' and usual_lag_hours is null then 'no_label_lag'
        when not is_settled then 'awaiting_labels'
        when z_drop is null then 'too_few_rows'
    end as evidence_note
from tested
