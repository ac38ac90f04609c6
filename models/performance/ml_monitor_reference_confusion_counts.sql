{#- The model's predictions on the holdout split against their labels, per model and cohort
    (the reference that measured performance is compared with). -#}
{{ config(materialized='ml_monitor_reference_table') }}
with holdout as (

    select
        {{- ml_monitor.cohort_input_columns() }}
        model_id,
        predicted_class,
        label
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_holdout_split')) }}
      and predicted_class is not null
      and label is not null

),

pairs as (

    select
        model_id,
        predicted_class,
        label,
        {{- ml_monitor.cohort_grouping_columns() }}
        count(*) as n
    from holdout
    group by {{ ml_monitor.cohort_grouping_sets([['model_id', 'predicted_class', 'label']]) }}

)

select
    model_id,
    {{ ml_monitor.cohort_name_value() }},
    predicted_class,
    label,
    cast(n as {{ dbt.type_bigint() }}) as n
from pairs
