{#- Fingerprints of the serving log's recent buckets: per model and bucket, its rows (valid or
    excluded) and the sum of their row hashes, for the last ml_monitor_lookback_buckets
    buckets before the newest valid one (the model furthest behind deciding) and that one.
    Each table incremental by bucket stores them with its rows and, next run, recomputes
    only from the first of these buckets whose fingerprint changed
    (ml_monitor.first_changed_bucket). window_start and window_end bound the buckets
    fingerprinted (window_end: the bucket after the last one). A run reads the log from the
    previous run's window_start on (a first build finds the newest bucket first). No rows
    where the warehouse keeps no fingerprints (Spark: those tables recompute their whole
    lookback window). -#}
{%- set staged = ref('stg_ml_monitor__predictions') -%}
{%- set row_hash = ml_monitor.row_hash('s') -%}
{%- set read_from = none -%}
{%- if execute and row_hash is not none -%}
  {%- if load_relation(this) is not none -%}
    {%- set read_from = run_query('select min(window_start) from ' ~ this).columns[0].values()[0] -%}
  {%- endif -%}
  {%- if read_from is none -%}
    {%- set read_from = ml_monitor.window_start(
          '(select model_id, bucket_start from ' ~ staged ~ ' where exclusion_reason is null)') -%}
  {%- endif -%}
{%- endif %}

with buckets as (

    select
        model_id,
        bucket_start,
        count(*) as n_rows,
        sum(case when exclusion_reason is null then 1 else 0 end) as n_valid,
        cast(sum({{ row_hash or 0 }}) as {{ dbt.type_string() }}) as fingerprint
    from {{ staged }} as s
    where {{ 'predicted_at >= ' ~ ml_monitor.timestamp_literal(read_from) if read_from else '1 = 0' }}
    group by model_id, bucket_start

),

newest as (

    select model_id, max(bucket_start) as last_bucket
    from buckets
    where n_valid > 0
    group by model_id

),

bounds as (

    select
        (select {{ ml_monitor.shift_buckets(-ml_monitor.setting('ml_monitor_lookback_buckets'), 'min(last_bucket)') }}
         from newest) as window_start,
        (select {{ ml_monitor.shift_buckets(1, 'max(bucket_start)') }} from buckets) as window_end

)

select b.model_id, b.bucket_start, b.n_rows, b.n_valid, b.fingerprint, w.window_start, w.window_end
from buckets as b
cross join bounds as w
where b.bucket_start >= w.window_start
