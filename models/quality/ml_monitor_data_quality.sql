{#- Rows of the serving log that no monitor counts, per model, bucket and reason, so that an
    exclusion is never silent:
      predicted_at_null, predicted_at_future, predicted_class_null, confidence_null,
      confidence_out_of_range (NaN, < 0 or > 1), prediction_id_null,
      duplicate_prediction_id        another copy in the same bucket (the first is kept)
      duplicate_across_buckets       an id already logged in an earlier bucket (still counted)
      late_outside_lookback          valid rows that arrived after their bucket left the
                                     incremental lookback window (run --full-refresh)
    excluded_share is over every row of the bucket; is_alert past ml_monitor_exclusion_tolerance. -#}
{%- set double = ml_monitor.type_double() -%}

with log_rows as (

    select
        model_id, bucket_start, exclusion_reason,
        count(*) as n,
        count(distinct prediction_id) as n_ids
    from {{ ref('stg_ml_monitor__predictions') }}
    group by 1, 2, 3

),

in_bucket_duplicates as (

    -- the monitors keep one copy of a prediction_id per bucket
    select model_id, bucket_start, 'duplicate_prediction_id' as reason, n - n_ids as n
    from log_rows
    where exclusion_reason is null and n > n_ids

),

cross_bucket_duplicates as (

    select model_id, bucket_start, 'duplicate_across_buckets' as reason, count(*) as n
    from (
        select
            model_id, bucket_start,
            min(bucket_start) over (partition by prediction_id) as first_bucket
        from (
            select distinct model_id, bucket_start, prediction_id
            from {{ ref('stg_ml_monitor__predictions') }}
            where exclusion_reason is null
        ) as logged_ids
    ) as copies
    where bucket_start > first_bucket
    group by 1, 2

),

counted as (

    select model_id, bucket_start, n
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class' and predicted_class = '__all__' and cohort_name = '__all__'

),

late_rows as (

    select l.model_id, l.bucket_start, 'late_outside_lookback' as reason, l.n_ids - coalesce(c.n, 0) as n
    from log_rows as l
    left join counted as c on c.model_id = l.model_id and c.bucket_start = l.bucket_start
    where l.exclusion_reason is null and l.n_ids > coalesce(c.n, 0)

),

exclusions as (

    select model_id, bucket_start, exclusion_reason as reason, n from log_rows where exclusion_reason is not null
    union all
    select * from in_bucket_duplicates
    union all
    select * from cross_bucket_duplicates
    union all
    select * from late_rows

),

bucket_totals as (

    select model_id, bucket_start, sum(n) as n_rows
    from log_rows
    group by 1, 2

)

select
    e.model_id,
    e.bucket_start,
    e.reason,
    cast(e.n as {{ dbt.type_bigint() }}) as n_rows,
    cast(t.n_rows as {{ dbt.type_bigint() }}) as n_bucket_rows,
    cast(e.n as {{ double }}) / t.n_rows as excluded_share,
    cast(e.n as {{ double }}) / t.n_rows > {{ var('ml_monitor_exclusion_tolerance') }} as is_alert
from exclusions as e
inner join bucket_totals as t
    on t.model_id = e.model_id
    and (t.bucket_start = e.bucket_start or (t.bucket_start is null and e.bucket_start is null))
