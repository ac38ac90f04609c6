{#- What each run saw of the serving log's input columns, appended run by run (one row per
    column and run, at the run's "now", var ml_monitor_now): its type as the warehouse names
    it and its status against the reference (ml_monitor_schema_diff), or 'removed' for a
    column an earlier run saw that neither table has now. A run at an instant already
    recorded adds nothing, so a re-run changes nothing. ml_monitor_schema_history reads it.
    A --full-refresh keeps it: what earlier runs saw cannot be recomputed from the log. -#}
{{ config(materialized='ml_monitor_incremental', incremental_strategy='append', on_schema_change='fail', full_refresh=false) }}
{%- set now = ml_monitor.run_now() -%}

with observed as (

    select column_name, serving_type as data_type, status
    from {{ ref('ml_monitor_schema_diff') }}
    {%- if is_incremental() %}
    union all
    select distinct seen.column_name, cast(null as {{ dbt.type_string() }}), 'removed'
    from {{ this }} as seen
    where not exists (
        select 1 from {{ ref('ml_monitor_schema_diff') }} as diff where diff.column_name = seen.column_name
    )
    {%- endif %}

)

select
    cast(column_name as {{ dbt.type_string() }}) as column_name,
    cast(data_type as {{ dbt.type_string() }}) as data_type,
    cast(status as {{ dbt.type_string() }}) as status,
    {{ now }} as observed_at
from observed
{%- if is_incremental() %}
where not exists (select 1 from {{ this }} as seen where seen.observed_at = {{ now }})
{%- endif %}
