{#- The id index: per model, prediction_id and bucket, the valid copies the bucket holds,
    the earliest bucket holding a copy (the kept copy is the earliest one there, by
    predicted_at) and how many of the bucket's copies the monitors leave out. Incremental by
    bucket: a run indexes the ids of the buckets it recomputes and finds their earlier copies
    by probing the rows already indexed, so it reads the new rows, not every id of the log.
    A bucket's rows depend only on it and the buckets before it, and a run recomputes every
    bucket from its window's start on, so the table equals a full build. -#}
{{ config(**ml_monitor.incremental_by_bucket()) }}

{%- set config_version = ml_monitor.config_version([]) -%}
{%- set incremental = is_incremental() and not ml_monitor.base_is_stale(config_version) -%}
{%- set staged = ref('stg_ml_monitor__predictions') -%}
{%- set new_rows = 'exclusion_reason is null and '
    ~ (ml_monitor.recent_buckets_filter() if incremental else '1 = 1') -%}
{#- Spark cannot overwrite partitions of a table that the same query reads
    (UNSUPPORTED_OVERWRITE): there the probe reads the log's earlier valid rows instead -#}
{%- set indexed = this if target.type != 'spark'
    else '(select model_id, prediction_id, bucket_start from ' ~ staged ~ ' where exclusion_reason is null)' -%}

with new_ids as (

    select
        model_id,
        prediction_id,
        min(bucket_start) as first_new_bucket,
        max(bucket_start) as last_new_bucket,
        count(*) as n_copies
    from {{ staged }}
    where {{ new_rows }}
    group by model_id, prediction_id

),

{#- the copies per bucket of the few ids in more than one of the new buckets: one
    aggregate by id rather than by id and bucket, which costs a second pass over every id -#}
spread_copies as (

    select s.model_id, s.prediction_id, s.bucket_start, count(*) as n_copies
    from {{ staged }} as s
    where {{ new_rows }}
      and exists (
        select 1 from new_ids as i
        where i.model_id = s.model_id and i.prediction_id = s.prediction_id
          and i.first_new_bucket < i.last_new_bucket
      )
    group by s.model_id, s.prediction_id, s.bucket_start

),

new_copies as (

    select model_id, prediction_id, first_new_bucket as bucket_start, first_new_bucket, n_copies
    from new_ids
    where first_new_bucket = last_new_bucket
    union all
    select c.model_id, c.prediction_id, c.bucket_start, i.first_new_bucket, c.n_copies
    from spread_copies as c
    inner join new_ids as i
        on i.model_id = c.model_id and i.prediction_id = c.prediction_id

),

{#- the probe: the new ids that the buckets before the window already hold -#}
earlier_copies as (

    {%- if incremental %}
    select i.model_id, i.prediction_id, min(i.bucket_start) as first_bucket
    from {{ indexed }} as i
    inner join new_ids as n
        on n.model_id = i.model_id and n.prediction_id = i.prediction_id
    where not ({{ ml_monitor.recent_buckets_filter(column='i.bucket_start') }})
    group by i.model_id, i.prediction_id
    {%- else %}
    select model_id, prediction_id, first_new_bucket as first_bucket from new_ids where 1 = 0
    {%- endif %}

),

indexed as (

    select
        c.model_id,
        c.prediction_id,
        c.bucket_start,
        coalesce(e.first_bucket, c.first_new_bucket) as first_bucket,
        c.n_copies
    from new_copies as c
    left join earlier_copies as e
        on e.model_id = c.model_id and e.prediction_id = c.prediction_id

)

select
    model_id,
    prediction_id,
    bucket_start,
    first_bucket,
    cast(n_copies as {{ dbt.type_bigint() }}) as n_copies,
    cast(case when bucket_start = first_bucket
        then n_copies - 1 else n_copies end as {{ dbt.type_bigint() }}) as n_excluded,
    {{ ml_monitor.config_version_literal(config_version) }} as config_version
from indexed
