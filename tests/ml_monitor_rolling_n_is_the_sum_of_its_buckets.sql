{#- Invariant: a rolling window's n is the sum of n over its W calendar buckets (the model's
    bucket spine, empty buckets included). Returns the windows whose n differs. -#}
with
    spine as (

        select model_id, bucket_start, row_number() over (partition by model_id order by bucket_start) as bucket_index
        from {{ ref('ml_monitor_bucket_spine') }}

    ),

    windows as (

        select r.*, s.bucket_index
        from {{ ref('ml_monitor_confidence_rolling') }} as r
        inner join spine as s on s.model_id = r.model_id and s.bucket_start = r.bucket_start

    ),

    buckets as (

        select b.model_id, b.cohort_name, b.cohort_value, b.predicted_class, b.n, s.bucket_index
        from {{ ref('ml_monitor_series_buckets') }} as b
        inner join spine as s on s.model_id = b.model_id and s.bucket_start = b.bucket_start

    ),

    summed as (

        select
            w.model_id,
            w.bucket_start,
            w.cohort_name,
            w.cohort_value,
            w.predicted_class,
            w.window_buckets,
            max(w.rolling_n) as rolling_n,
            sum(b.n) as bucket_n
        from windows as w
        left join
            buckets as b
            on b.model_id = w.model_id
            and b.cohort_name = w.cohort_name
            and b.cohort_value = w.cohort_value
            and b.predicted_class = w.predicted_class
            and b.bucket_index between w.bucket_index - w.window_buckets + 1 and w.bucket_index
        group by w.model_id, w.bucket_start, w.cohort_name, w.cohort_value, w.predicted_class, w.window_buckets

    )

select *
from summed
where bucket_n is null or rolling_n <> bucket_n
