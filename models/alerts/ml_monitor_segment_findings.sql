{#- Which cohorts matter: for every alert of a model's whole population (cohort '__all__'),
    the cohort values of each cohort column ranked by how much of the move they carry, so a
    person sees at once "it is chat, not email". A cohort value's contribution is its weight
    (its share of the bucket's predictions; of the subject class's, for confidence) times
    its own effect relative to the rule's threshold, signed so that a move in the
    population's direction counts positive; share is its part of its cohort column's total
    (the column's values partition the population). Alert types tested per cohort only. -#}
{{ config(pre_hook=ml_monitor.planner_settings()) }}
{%- set double = ml_monitor.type_double() -%}

with tests as (

    select * from {{ ref('ml_monitor_alert_tests') }}

),

population_alerts as (

    -- the class whose predictions weigh a cohort value: the subject's for confidence
    select alert_type, model_id, bucket_start, subject, metric, value, threshold,
           case when alert_type = 'confidence_anomaly' then subject else '__all__' end as weight_class
    from tests
    where cohort_name = '__all__' and is_alert

),

predictions as (

    select model_id, bucket_start, cohort_name, cohort_value, predicted_class, n
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class'

),

-- every cohort value's share of its bucket's predictions, per class: a few rows per bucket,
-- joined to the alerts' cohort tests on one column (a class expression in the join made the
-- planner join every cohort test to the predictions before the few alerts)
weights as (

    select
        w.model_id, w.bucket_start, w.cohort_name, w.cohort_value, w.predicted_class,
        cast(w.n as {{ double }}) / p.n as weight
    from predictions as w
    inner join predictions as p
        on p.model_id = w.model_id and p.bucket_start = w.bucket_start and p.cohort_name = '__all__'
        and p.predicted_class = w.predicted_class
    where w.cohort_name <> '__all__'

),

contributions as (

    select
        a.alert_type, a.model_id, a.bucket_start, a.subject,
        a.metric as population_metric,
        a.value as population_value,
        c.cohort_name, c.cohort_value,
        c.metric as cohort_metric,
        c.value as cohort_effect,
        c.is_alert as cohort_is_alert,
        w.weight,
        w.weight * c.value / c.threshold * case when a.value < 0 then -1 else 1 end as contribution
    from population_alerts as a
    inner join tests as c
        on c.alert_type = a.alert_type and c.model_id = a.model_id and c.bucket_start = a.bucket_start
        and c.subject = a.subject and c.cohort_name <> '__all__' and c.value is not null
    inner join weights as w
        on w.model_id = c.model_id and w.bucket_start = c.bucket_start and w.cohort_name = c.cohort_name
        and w.cohort_value = c.cohort_value and w.predicted_class = a.weight_class

)

select
    alert_type,
    model_id,
    bucket_start,
    subject,
    population_metric,
    population_value,
    cohort_name,
    cohort_value,
    cohort_metric,
    cohort_effect,
    cohort_is_alert,
    weight,
    contribution,
    contribution / nullif(sum(contribution) over (
        partition by alert_type, model_id, bucket_start, subject, cohort_name), 0) as share,
    cast(row_number() over (
        partition by alert_type, model_id, bucket_start, subject
        order by contribution desc, cohort_name, cohort_value) as integer) as contribution_rank
from contributions
