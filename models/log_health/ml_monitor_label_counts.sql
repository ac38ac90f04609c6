{#- Valid predictions per model, bucket and cohort value ('__all__': the whole population),
    how many have their label (the log's label column, or the labels table, which wins), and
    the label lag (labeled_at − predicted_at, hours; labels table only) at p50 and p90, exact.
    Incremental by label arrival (ml_monitor.label_arrival_filter), like the confusion
    counts: a run recomputes the buckets the base tables recompute and those of the
    predictions whose labels arrived since, so the lag percentiles of a bucket are computed
    from all its rows. -#}
{{ config(**ml_monitor.incremental_by_bucket()) }}

{%- set config_version = ml_monitor.config_version(['ml_monitor_cohorts', 'ml_monitor_labels_table',
    'ml_monitor_label_columns']) -%}
{%- set new_rows = ml_monitor.label_arrival_filter(
      is_incremental() and not ml_monitor.base_is_stale(config_version)) %}

with predictions as (

    select
        {{- ml_monitor.cohort_input_columns() }}
        p.model_id,
        p.bucket_start,
        case when coalesce(l.label, p.label) is not null then 1 else 0 end as is_labelled,
        {{ ml_monitor.label_lag_hours() }} as lag_hours
    from (
        {{ ml_monitor.monitored_predictions(new_rows) }}
    ) as p
    left join {{ ref('stg_ml_monitor__labels') }} as l
        on l.prediction_id = p.prediction_id

),

grouped as (

    select
        model_id,
        bucket_start,
        {{- ml_monitor.cohort_grouping_columns() }}
        count(*) as n_predictions,
        sum(is_labelled) as n_labelled,
        count(lag_hours) as n_lagged,
        {{ ml_monitor.percentiles_cont('lag_hours', [0.5, 0.9]) }} as lag_percentiles
    from predictions
    group by {{ ml_monitor.cohort_grouping_sets([['model_id', 'bucket_start']]) }}

)

select
    model_id,
    bucket_start,
    {{ ml_monitor.cohort_name_value() }},
    cast(n_predictions as {{ dbt.type_bigint() }}) as n_predictions,
    cast(n_labelled as {{ dbt.type_bigint() }}) as n_labelled,
    cast(n_lagged as {{ dbt.type_bigint() }}) as n_lagged,
    cast(case when n_lagged > 0 then {{ ml_monitor.array_element('lag_percentiles', 1) }} end
         as {{ ml_monitor.type_double() }}) as lag_p50_hours,
    cast(case when n_lagged > 0 then {{ ml_monitor.array_element('lag_percentiles', 2) }} end
         as {{ ml_monitor.type_double() }}) as lag_p90_hours,
    {{ ml_monitor.config_version_literal(config_version) }} as config_version
from grouped
