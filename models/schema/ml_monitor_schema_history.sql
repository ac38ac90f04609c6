{#- One row per serving-log input column and state (type and status against the reference)
    as runs observed it (ml_monitor_schema_observations): a column added, retyped and dropped
    between runs has one row per state, each with the first and last run that saw it.
    is_current: the latest run's state. -#}
with observations as (

    select
        column_name,
        data_type,
        status,
        observed_at,
        case
            when lag(status) over (partition by column_name order by observed_at) = status
             and coalesce(lag(data_type) over (partition by column_name order by observed_at), '')
                 = coalesce(data_type, '')
            then 0 else 1
        end as starts_state
    from {{ ref('ml_monitor_schema_observations') }}

),

states as (

    select
        *,
        sum(starts_state) over (partition by column_name order by observed_at
                                rows between unbounded preceding and current row) as state_number
    from observations

)

select
    column_name,
    max(data_type) as data_type,
    max(status) as status,
    min(observed_at) as first_observed_at,
    max(observed_at) as last_observed_at,
    max(observed_at) = (select max(observed_at) from {{ ref('ml_monitor_schema_observations') }}) as is_current
from states
group by column_name, state_number
