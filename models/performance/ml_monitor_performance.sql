{#- Measured performance once labels arrive, per model, bucket, cohort and class. Per class
    c: precision = tp / predicted c, recall = tp / labelled c, f1 = 2tp / (2tp + fp + fn)
    (0 when undefined, as scikit-learn's zero_division=0). Class '__all__': accuracy and
    macro_f1, the mean f1 over every class labelled or predicted in the group. -#}
{%- set double = ml_monitor.type_double() -%}

with confusion as (

    select * from {{ ref('ml_monitor_confusion_counts') }}

),

classes as (

    select distinct model_id, bucket_start, cohort_name, cohort_value, predicted_class as class_name from confusion
    union
    select distinct model_id, bucket_start, cohort_name, cohort_value, label from confusion

),

per_class as (

    select
        c.model_id, c.bucket_start, c.cohort_name, c.cohort_value, c.class_name,
        sum(case when m.predicted_class = c.class_name and m.label = c.class_name then m.n else 0 end) as tp,
        sum(case when m.predicted_class = c.class_name then m.n else 0 end) as n_predicted,
        sum(case when m.label = c.class_name then m.n else 0 end) as n_labeled_class
    from classes as c
    inner join confusion as m
        on m.model_id = c.model_id and m.bucket_start = c.bucket_start
        and m.cohort_name = c.cohort_name and m.cohort_value = c.cohort_value
    group by 1, 2, 3, 4, 5

),

class_metrics as (

    select
        *,
        case when n_predicted > 0 then cast(tp as {{ double }}) / n_predicted else 0 end as class_precision,
        case when n_labeled_class > 0 then cast(tp as {{ double }}) / n_labeled_class else 0 end as class_recall,
        case when n_predicted + n_labeled_class > 0
             then cast(2 * tp as {{ double }}) / (n_predicted + n_labeled_class) else 0 end as class_f1
    from per_class

),

totals as (

    select
        model_id, bucket_start, cohort_name, cohort_value,
        sum(n) as n_labeled,
        sum(case when predicted_class = label then n else 0 end) as n_correct
    from confusion
    group by 1, 2, 3, 4

),

macro as (

    select model_id, bucket_start, cohort_name, cohort_value, avg(class_f1) as macro_f1
    from class_metrics
    group by 1, 2, 3, 4

)

select
    m.model_id, m.bucket_start, m.cohort_name, m.cohort_value,
    m.class_name as predicted_class,
    cast(m.n_labeled_class as {{ dbt.type_bigint() }}) as n_labeled,
    cast(m.n_predicted as {{ dbt.type_bigint() }}) as n_predicted,
    cast(null as {{ double }}) as accuracy,
    m.class_precision as precision,
    m.class_recall as recall,
    m.class_f1 as f1,
    cast(null as {{ double }}) as macro_f1
from class_metrics as m

union all

select
    t.model_id, t.bucket_start, t.cohort_name, t.cohort_value,
    '__all__' as predicted_class,
    cast(t.n_labeled as {{ dbt.type_bigint() }}) as n_labeled,
    cast(t.n_labeled as {{ dbt.type_bigint() }}) as n_predicted,
    cast(t.n_correct as {{ double }}) / t.n_labeled as accuracy,
    cast(null as {{ double }}) as precision,
    cast(null as {{ double }}) as recall,
    cast(null as {{ double }}) as f1,
    mc.macro_f1
from totals as t
inner join macro as mc
    on mc.model_id = t.model_id and mc.bucket_start = t.bucket_start
    and mc.cohort_name = t.cohort_name and mc.cohort_value = t.cohort_value
