{#- The class mix each model is compared with, per model and class. Serving predictions are
    compared with the model's own predictions on the holdout split (what it predicts when
    nothing has drifted, its errors included), not with the training labels: a model with
    spread-out errors would otherwise show them as a permanent drift. Models without holdout
    predictions fall back to the training labels (reference_basis says which). The training
    label mix is kept beside it for the label-shift monitor. -#}
{{ config(materialized='ml_monitor_reference_table') }}
{%- set double = ml_monitor.type_double() -%}

with holdout_predictions as (

    select model_id, predicted_class, count(*) as n
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_holdout_split')) }}
      and predicted_class is not null
    group by model_id, predicted_class

),

training_labels as (

    select model_id, label as predicted_class, count(*) as n
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_reference_split')) }}
      and label is not null
    group by model_id, label

),

models_with_holdout as (

    select distinct model_id from holdout_predictions

),

classes as (

    select model_id, predicted_class from holdout_predictions
    union
    select model_id, predicted_class from training_labels

),

counts as (

    select
        c.model_id,
        c.predicted_class,
        coalesce(h.n, 0) as holdout_n,
        coalesce(t.n, 0) as label_n,
        m.model_id is not null as has_holdout
    from classes as c
    left join holdout_predictions as h
        on h.model_id = c.model_id and h.predicted_class = c.predicted_class
    left join training_labels as t
        on t.model_id = c.model_id and t.predicted_class = c.predicted_class
    left join models_with_holdout as m
        on m.model_id = c.model_id

),

reference as (

    select
        *,
        case when has_holdout then holdout_n else label_n end as reference_n
    from counts

)

select
    model_id,
    predicted_class,
    case when has_holdout then 'holdout_predictions' else 'training_labels' end as reference_basis,
    cast(reference_n as {{ dbt.type_bigint() }}) as reference_n,
    cast(sum(reference_n) over (partition by model_id) as {{ dbt.type_bigint() }}) as reference_total,
    cast(reference_n as {{ double }}) / sum(reference_n) over (partition by model_id) as reference_share,
    cast(label_n as {{ dbt.type_bigint() }}) as label_n,
    cast(sum(label_n) over (partition by model_id) as {{ dbt.type_bigint() }}) as label_total,
    cast(label_n as {{ double }}) / nullif(sum(label_n) over (partition by model_id), 0) as label_share
from reference
