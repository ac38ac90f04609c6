{#- Rows of the serving log that no monitor counts, per model, bucket and reason, so that an
    exclusion is never silent:
      predicted_at_null, predicted_at_future, predicted_class_null, confidence_null,
      confidence_out_of_range (NaN, < 0 or > 1), prediction_id_null,
      duplicate_prediction_id        another copy in the bucket of the kept (earliest) copy
      duplicate_across_buckets       a copy in a later bucket than the kept one
      late_outside_lookback          valid rows that arrived after their bucket left the
                                     incremental lookback window (run --full-refresh)
    excluded_share is over every row of the bucket; is_alert past ml_monitor_exclusion_tolerance. -#}
{%- set double = ml_monitor.type_double() -%}

with log_rows as (

    select model_id, bucket_start, exclusion_reason, count(*) as n
    from {{ ref('stg_ml_monitor__predictions') }}
    group by 1, 2, 3

),

duplicates as (

    select
        model_id,
        bucket_start,
        case when bucket_start = first_bucket then 'duplicate_prediction_id' else 'duplicate_across_buckets' end as reason,
        sum(n_excluded) as n
    from {{ ref('ml_monitor_duplicate_predictions') }}
    where n_excluded > 0
    group by 1, 2, 3

),

counted as (

    select model_id, bucket_start, n
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class' and predicted_class = '__all__' and cohort_name = '__all__'

),

late_rows as (

    -- valid rows neither counted nor left out as a duplicate
    select l.model_id, l.bucket_start, 'late_outside_lookback' as reason, l.n - coalesce(d.n, 0) - coalesce(c.n, 0) as n
    from log_rows as l
    left join (
        select model_id, bucket_start, sum(n) as n from duplicates group by 1, 2
    ) as d on d.model_id = l.model_id and d.bucket_start = l.bucket_start
    left join counted as c on c.model_id = l.model_id and c.bucket_start = l.bucket_start
    where l.exclusion_reason is null and l.n - coalesce(d.n, 0) - coalesce(c.n, 0) > 0

),

exclusions as (

    select model_id, bucket_start, exclusion_reason as reason, n from log_rows where exclusion_reason is not null
    union all
    select * from duplicates
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
