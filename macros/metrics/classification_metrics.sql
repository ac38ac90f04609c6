{#- Classification metrics from confusion counts (`confusion`: the `keys` columns plus
    predicted_class, label, n), one row per group and class plus one '__all__' row per group.
    Per class c: precision = tp / predicted c, recall = tp / labelled c, f1 = 2tp / (2tp + fp
    + fn) (0 when undefined, as scikit-learn's zero_division=0). Class '__all__': accuracy
    and macro_f1, the mean f1 over every class labelled or predicted in the group, with
    macro_f1_variance ≈ Σ f̃_c(1 − f̃_c) / m_c / K², m_c = (2tp + fp + fn) / 2: each class's
    F1 treated as a proportion over the rows it depends on (a normal approximation), with
    f̃_c = (2tp + 1) / (2tp + fp + fn + 2) so that a perfect class still has sampling noise. -#}
{% macro classification_metrics(confusion, keys) %}
{%- set double = ml_monitor.type_double() -%}
{%- set key_list = keys | join(', ') -%}
with confusion as (

    select * from {{ confusion }}

),

classes as (

    select distinct {{ key_list }}, predicted_class as class_name from confusion
    union
    select distinct {{ key_list }}, label from confusion

),

per_class as (

    select
        {% for key in keys %}c.{{ key }}, {% endfor %}c.class_name,
        sum(case when m.predicted_class = c.class_name and m.label = c.class_name then m.n else 0 end) as tp,
        sum(case when m.predicted_class = c.class_name then m.n else 0 end) as n_predicted,
        sum(case when m.label = c.class_name then m.n else 0 end) as n_labeled_class
    from classes as c
    inner join confusion as m
        on {% for key in keys %}{{ 'and ' if not loop.first }}m.{{ key }} = c.{{ key }} {% endfor %}
    group by {% for key in keys %}c.{{ key }}, {% endfor %}c.class_name

),

class_metrics as (

    select
        *,
        case when n_predicted > 0 then cast(tp as {{ double }}) / n_predicted else 0 end as class_precision,
        case when n_labeled_class > 0 then cast(tp as {{ double }}) / n_labeled_class else 0 end as class_recall,
        case when n_predicted + n_labeled_class > 0
             then cast(2 * tp as {{ double }}) / (n_predicted + n_labeled_class) else 0 end as class_f1,
        cast(2 * tp + 1 as {{ double }}) / (n_predicted + n_labeled_class + 2) as smoothed_f1
    from per_class

),

totals as (

    select
        {{ key_list }},
        sum(n) as n_labeled,
        sum(case when predicted_class = label then n else 0 end) as n_correct
    from confusion
    group by {{ key_list }}

),

macro as (

    select
        {{ key_list }},
        avg(class_f1) as macro_f1,
        sum(smoothed_f1 * (1 - smoothed_f1) * 2 / (n_predicted + n_labeled_class))
            / (count(*) * count(*)) as macro_f1_variance
    from class_metrics
    group by {{ key_list }}

)

select
    {% for key in keys %}m.{{ key }}, {% endfor %}
    m.class_name as predicted_class,
    cast(m.n_labeled_class as {{ dbt.type_bigint() }}) as n_labeled,
    cast(m.n_predicted as {{ dbt.type_bigint() }}) as n_predicted,
    cast(null as {{ double }}) as accuracy,
    m.class_precision as precision,
    m.class_recall as recall,
    m.class_f1 as f1,
    cast(null as {{ double }}) as macro_f1,
    cast(null as {{ double }}) as macro_f1_variance
from class_metrics as m

union all

select
    {% for key in keys %}t.{{ key }}, {% endfor %}
    '__all__' as predicted_class,
    cast(t.n_labeled as {{ dbt.type_bigint() }}) as n_labeled,
    cast(t.n_labeled as {{ dbt.type_bigint() }}) as n_predicted,
    cast(t.n_correct as {{ double }}) / t.n_labeled as accuracy,
    cast(null as {{ double }}) as precision,
    cast(null as {{ double }}) as recall,
    cast(null as {{ double }}) as f1,
    mc.macro_f1,
    cast(mc.macro_f1_variance as {{ double }}) as macro_f1_variance
from totals as t
inner join macro as mc
    on {% for key in keys %}{{ 'and ' if not loop.first }}mc.{{ key }} = t.{{ key }} {% endfor %}
{% endmacro %}
