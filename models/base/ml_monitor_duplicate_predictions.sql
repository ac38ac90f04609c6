{#- Predictions logged more than once: per model, prediction_id and bucket, how many valid
    copies the bucket holds and how many of them the monitors leave out. The monitors keep
    one copy of each prediction, the earliest (its first bucket, then predicted_at); the
    others are counted in ml_monitor_data_quality. Two narrow passes over the ids (which
    ids repeat, then where their copies are) rather than a window over the whole log; in a
    log without duplicates the table is empty and the monitors skip the de-duplication. -#}
{%- set staged = ref('stg_ml_monitor__predictions') -%}

with repeated_ids as (

    select model_id, prediction_id, min(bucket_start) as first_bucket
    from {{ staged }}
    where exclusion_reason is null
    group by model_id, prediction_id
    having count(*) > 1

),

copies as (

    select s.model_id, s.prediction_id, s.bucket_start, count(*) as n_copies
    from {{ staged }} as s
    where s.exclusion_reason is null
      and exists (
        select 1 from repeated_ids as r
        where r.model_id = s.model_id and r.prediction_id = s.prediction_id
      )
    group by s.model_id, s.prediction_id, s.bucket_start

)

select
    c.model_id,
    c.prediction_id,
    c.bucket_start,
    r.first_bucket,
    cast(c.n_copies as {{ dbt.type_bigint() }}) as n_copies,
    cast(case when c.bucket_start = r.first_bucket then c.n_copies - 1 else c.n_copies end
         as {{ dbt.type_bigint() }}) as n_excluded
from copies as c
inner join repeated_ids as r
    on r.model_id = c.model_id and r.prediction_id = c.prediction_id
