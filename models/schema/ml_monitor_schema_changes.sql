{#- Every schema change (ml_monitor_schema_diff status other than unchanged) with the bucket
    in which it was first observed, kept across runs (incremental, append-only): a change
    keeps its date, so its alert and incident keep theirs. A run that finds a change dates it
    at the first bucket in which a column the reference lacks holds a value — the deploy that
    changed the log's columns, which changes them together — or, with no such column, at the
    last complete bucket before the run's "now" (var ml_monitor_now), the run that saw it.
    A --full-refresh keeps it, as it keeps ml_monitor_schema_observations: a date a run gave
    cannot be recomputed from the log. -#}
{{ config(materialized='ml_monitor_incremental', incremental_strategy='append', on_schema_change='fail', full_refresh=false) }}
{%- set added = [] -%}
{%- if execute -%}
  {%- set added = run_query("select column_name from " ~ ref('ml_monitor_schema_diff')
        ~ " where status = 'added' order by column_name").columns[0].values() -%}
{%- endif -%}

with changes as (

    select diff.column_name, diff.status, diff.reference_type, diff.serving_type
    from {{ ref('ml_monitor_schema_diff') }} as diff
    where diff.status <> 'unchanged'
    {%- if is_incremental() %}
      and not exists (
          select 1 from {{ this }} as seen
          where seen.column_name = diff.column_name and seen.status = diff.status
      )
    {%- endif %}

),

deploy as (

    {%- if added %}
    -- predicted_at as logged (a zone-aware column is off by its offset at most: a date, not a metric)
    select min({{ ml_monitor.bucket_start('cast(' ~ ml_monitor.quote_identifier(ml_monitor.column_name('predicted_at'))
                                          ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}) as bucket_start
    from {{ source('ml_monitor', 'predictions') }}
    where {% for name in added %}{{ 'or ' if not loop.first }}{{ ml_monitor.quote_identifier(name) }} is not null {%
        endfor %}
    {%- else %}
    select cast(null as {{ dbt.type_timestamp() }}) as bucket_start
    {%- endif %}

),

this_run as (

    -- the last complete bucket before "now": when this run first observes the change
    select {{ ml_monitor.shift_buckets(-1, ml_monitor.current_bucket()) }} as bucket_start

)

select
    c.column_name,
    c.status,
    c.reference_type,
    c.serving_type,
    cast(coalesce(d.bucket_start, r.bucket_start) as {{ dbt.type_timestamp() }}) as first_observed_bucket,
    {{ dbt.current_timestamp() }} as observed_at
from changes as c
cross join deploy as d
cross join this_run as r
