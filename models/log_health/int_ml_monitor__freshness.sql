{#- How long ago each model's latest prediction was logged (stream 'predictions'), and its
    latest label arrived (stream 'labels': labeled_at of the labels table, when one is
    configured), at "now" (var ml_monitor_now), one row per model and stream, dated at the
    last complete bucket. The usual gap between arrivals comes from the first rolling
    window's buckets (ml_monitor_rolling_windows) before the latest arrival's bucket. A run
    costs what the new day costs for predictions (the incremental counts and the last two
    buckets' rows); labels are matched to the log's ids, so that stream reads the log.
    Effect: the age past ml_monitor_freshness_max_age_hours (default twice the grain).
    Evidence: if arrivals kept coming as a Poisson process at their usual rate, the chance of
    none for this long is exp(−age / usual gap). The decisions (stale_predictions,
    stale_labels) are made in ml_monitor_alert_tests; ml_monitor_freshness shows them. -#}
{%- set double = ml_monitor.type_double() -%}
{%- set grain_hours = {'hour': 1, 'day': 24, 'week': 168}[ml_monitor.time_grain()] -%}
{%- set window = ml_monitor.setting('ml_monitor_rolling_windows')[0] -%}
{%- set max_age = ml_monitor.setting('ml_monitor_freshness_max_age_hours') or 2 * grain_hours -%}
{%- set now = ml_monitor.run_now() -%}
{%- set staged = ref('stg_ml_monitor__predictions') -%}

{#- Rows logged per model and bucket (every row with a predicted_at, excluded ones included)
    from the incremental counts: the usual gap needs only whole buckets' counts. -#}
{%- set logged -%}
    select model_id, bucket_start, sum(n) as n_rows
    from {{ ref('ml_monitor_log_counts') }}
    where column_name is null
      and cohort_name = {{ ml_monitor.string_literal(ml_monitor.reserved_values().all) }}
      and bucket_start <= {{ now }}
    group by model_id, bucket_start
{%- endset -%}
{#- The latest prediction is in its model's last bucket up to now, or the one before when
    that bucket holds only rows after now: only the rows from those buckets on are read. -#}
{%- set recent = '1 = 1' -%}
{%- if execute -%}
  {%- set since = run_query('select min(bucket_start) from (select bucket_start, row_number() over ('
        ~ 'partition by model_id order by bucket_start desc) as bucket_rank from (' ~ logged ~ ') as logged) as ranked'
        ~ ' where bucket_rank <= 2').columns[0].values()[0] -%}
  {%- if since is not none -%}
    {%- set recent = 'predicted_at >= ' ~ ml_monitor.timestamp_literal(since) -%}
  {%- endif -%}
{%- endif %}

with logged as (

    {{ logged }}

),

latest_predictions as (

    select model_id, 'predictions' as stream, max(predicted_at) as latest_at
    from {{ staged }}
    where predicted_at <= {{ now }} and {{ recent }}
    group by model_id

),

{%- if ml_monitor.setting('ml_monitor_labels_table') %}

label_arrivals as (

    select p.model_id, l.labeled_at as arrived_at
    from {{ ref('stg_ml_monitor__labels') }} as l
    inner join (
        select distinct model_id, prediction_id
        from {{ staged }}
        where predicted_at is not null and predicted_at <= {{ now }}
    ) as p
        on p.prediction_id = l.prediction_id
    where l.labeled_at is not null and l.labeled_at <= {{ now }}

),

latest_labels as (

    select model_id, 'labels' as stream, max(arrived_at) as latest_at
    from label_arrivals
    group by model_id

),

recent_labels as (

    -- labels that arrived in the window of buckets before the latest label's bucket
    select l.model_id, count(a.arrived_at) as n_recent
    from latest_labels as l
    left join label_arrivals as a
        on a.model_id = l.model_id
        and a.arrived_at >= {{ ml_monitor.shift_buckets(-window, ml_monitor.bucket_start('l.latest_at')) }}
        and a.arrived_at < {{ ml_monitor.bucket_start('l.latest_at') }}
    group by l.model_id

),

{%- endif %}

usual as (

    -- predictions logged in the window of buckets before the latest one's bucket
    select l.model_id, l.stream, l.latest_at, coalesce(sum(c.n_rows), 0) as n_recent
    from latest_predictions as l
    left join logged as c
        on c.model_id = l.model_id
        and c.bucket_start >= {{ ml_monitor.shift_buckets(-window, ml_monitor.bucket_start('l.latest_at')) }}
        and c.bucket_start < {{ ml_monitor.bucket_start('l.latest_at') }}
    group by l.model_id, l.stream, l.latest_at
    {%- if ml_monitor.setting('ml_monitor_labels_table') %}
    union all
    select l.model_id, l.stream, l.latest_at, r.n_recent
    from latest_labels as l
    inner join recent_labels as r
        on r.model_id = l.model_id
    {%- endif %}

),

aged as (

    select
        model_id,
        stream,
        latest_at,
        {{ dbt.datediff('latest_at', now, 'second') }} / 3600e0 as age_hours,
        case when n_recent > 0 then {{ window * grain_hours }}e0 / n_recent end as usual_gap_hours,
        n_recent
    from usual

)

select
    model_id,
    cast({{ ml_monitor.shift_buckets(-1, ml_monitor.current_bucket()) }} as {{ dbt.type_timestamp() }}) as bucket_start,
    cast(stream as {{ dbt.type_string() }}) as stream,
    latest_at,
    cast(age_hours as {{ double }}) as age_hours,
    cast(usual_gap_hours as {{ double }}) as usual_gap_hours,
    cast(n_recent as {{ dbt.type_bigint() }}) as n_recent,
    cast({{ max_age }} as {{ double }}) as max_age_hours,
    case when usual_gap_hours is not null
         then exp(greatest(-age_hours / usual_gap_hours, -745e0)) end as p_value,
    case when usual_gap_hours is null then 'no_baseline' end as evidence_note
from aged
