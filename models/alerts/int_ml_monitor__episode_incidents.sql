{#- Which incident each episode belongs to, in three steps:
      1. runs: a series that alerts again within ml_monitor_incident_reopen_buckets of its
         previous episode's end continues that run (a flickering series is one problem);
      2. spreads: runs of one model and alert type whose spans (onset to end plus the reopen
         horizon) overlap are one spread — the same kind of alert reaching more cohorts or
         subjects while it is still alerting is the problem spreading, not a new one. For
         alerts about one input column (feature drift, null fractions) the column is part
         of the kind: another column drifting is another upstream cause;
      3. incidents: spreads of a model that begin within ml_monitor_incident_window_buckets
         of each other are one incident.
    The incident's id is a hash of the model and its onset bucket, so a run that recomputes
    it, fully or incrementally, keeps it; undated episodes (perturbation failures) make one
    standing incident per model and alert type. -#}
{#- ephemeral: its one reader, ml_monitor_alert_episodes, takes it as a CTE, which saves a
    node's fixed cost on every run -#}
{{ config(materialized='ephemeral') }}
{%- set series = 'model_id, alert_type, cohort_name, cohort_value, subject' -%}
{%- set reopen = ml_monitor.setting('ml_monitor_incident_reopen_buckets') -%}
{%- set spread = "model_id, alert_type, spread_column" -%}
{%- set string = dbt.type_string() -%}

with episodes as (

    select * from {{ ref('int_ml_monitor__alert_episodes') }}

),

run_starts as (

    select
        *,
        case
            when first_index - lag(last_index) over (partition by {{ series }} order by first_index) <= {{ reopen }} + 1
            then 0 else 1
        end as starts_run
    from episodes
    where first_index is not null

),

runs as (

    select
        *,
        sum(starts_run) over (partition by {{ series }} order by first_index
                              rows between unbounded preceding and current row) as run_number
    from run_starts

),

run_spans as (

    select
        {{ series }}, run_number,
        case when alert_type in ('feature_drift', 'null_fraction') then subject end as spread_column,
        min(first_index) as run_onset,
        max(last_index) + {{ reopen }} as run_reach
    from runs
    group by {{ series }}, run_number

),

spread_starts as (

    -- a run starts a new spread when it begins after every earlier run of its type has lapsed
    select
        *,
        case
            when run_onset <= max(run_reach) over (
                partition by {{ spread }} order by run_onset, cohort_name, cohort_value, subject
                rows between unbounded preceding and 1 preceding)
            then 0 else 1
        end as starts_spread
    from run_spans

),

spreads as (

    select
        *,
        sum(starts_spread) over (partition by {{ spread }} order by run_onset, cohort_name, cohort_value, subject
                                 rows between unbounded preceding and current row) as spread_number
    from spread_starts

),

spread_onsets as (

    select
        *,
        min(run_onset) over (partition by {{ spread }}, spread_number) as spread_onset
    from spreads

),

incident_starts as (

    select
        model_id,
        spread_onset,
        case
            when spread_onset - lag(spread_onset) over (partition by model_id order by spread_onset)
                 <= {{ ml_monitor.setting('ml_monitor_incident_window_buckets') }}
            then 0 else 1
        end as starts_incident
    from (select distinct model_id, spread_onset from spread_onsets) as onsets

),

incident_numbers as (

    select
        model_id,
        spread_onset,
        sum(starts_incident) over (partition by model_id order by spread_onset
                                   rows between unbounded preceding and current row) as incident_number
    from incident_starts

),

dated as (

    select
        r.episode_id,
        r.model_id,
        min(r.first_bucket) over (partition by r.model_id, n.incident_number) as onset
    from runs as r
    inner join spread_onsets as s
        on s.model_id = r.model_id and s.alert_type = r.alert_type and s.cohort_name = r.cohort_name
        and s.cohort_value = r.cohort_value and s.subject = r.subject and s.run_number = r.run_number
    inner join incident_numbers as n
        on n.model_id = s.model_id and n.spread_onset = s.spread_onset

),

standing as (

    select
        episode_id,
        model_id,
        {{ dbt.hash("model_id || '|' || alert_type || '|standing'") }} as incident_id,
        cast(null as {{ dbt.type_timestamp() }}) as onset
    from episodes
    where first_index is null

)

select
    episode_id,
    model_id,
    {{ dbt.hash("model_id || '|' || cast(onset as " ~ string ~ ")") }} as incident_id,
    onset
from dated
union all
select episode_id, model_id, incident_id, onset
from standing
