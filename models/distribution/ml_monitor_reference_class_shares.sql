{#- The class mix the model was trained on: share of each label in the reference split
    (ml_monitor_reference_split), per model. -#}
with labels as (

    select model_id, label as predicted_class, count(*) as n
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(var('ml_monitor_reference_split')) }}
      and label is not null
    group by model_id, label

)

select
    model_id,
    predicted_class,
    n as reference_n,
    cast(n as {{ ml_monitor.type_double() }}) / sum(n) over (partition by model_id) as reference_share
from labels
