{#- Measured accuracy and macro F1 of each bucket and cohort (on its labelled rows) against
    the holdout's, per metric. The holdout figure is the cohort value's own when the holdout
    has at least ml_monitor_min_reference_cohort_rows rows of it (like with like), else the
    model's (reference_scope says which). Evidence: the one-sided test that serving is below
        z = (reference − serving) / √(v_serving + v_reference),
    with v = a(1 − a)/n for accuracy (the two-proportion test without pooling) and the
    normal approximation of ml_monitor.classification_metrics for macro F1. value is the
    drop, reference − serving. The decision is made in ml_monitor_alert_tests. -#}
{%- set double = ml_monitor.type_double() -%}
{%- set min_rows = ml_monitor.setting('ml_monitor_min_reference_cohort_rows') -%}

with serving as (

    select model_id, bucket_start, cohort_name, cohort_value, n_labeled, accuracy, macro_f1
    from {{ ref('ml_monitor_performance') }}
    where predicted_class = '__all__'

),

reference as (

    select model_id, cohort_name, cohort_value, n_labeled, accuracy, macro_f1, macro_f1_variance
    from {{ ref('ml_monitor_reference_performance') }}
    where predicted_class = '__all__'

),

classes as (

    select model_id, count(*) as n_classes
    from {{ ref('ml_monitor_reference_performance') }}
    where cohort_name = '__all__' and predicted_class <> '__all__'
    group by model_id

),

matched as (

    select
        s.*,
        k.n_classes,
        case when rc.n_labeled >= {{ min_rows }} then 'cohort' else 'model' end as reference_scope,
        case when rc.n_labeled >= {{ min_rows }} then rc.n_labeled else rm.n_labeled end as reference_n,
        case when rc.n_labeled >= {{ min_rows }} then rc.accuracy else rm.accuracy end as reference_accuracy,
        case when rc.n_labeled >= {{ min_rows }} then rc.macro_f1 else rm.macro_f1 end as reference_macro_f1,
        case when rc.n_labeled >= {{ min_rows }}
            then rc.macro_f1_variance else rm.macro_f1_variance end as reference_macro_f1_variance
    from serving as s
    left join reference as rc
        on rc.model_id = s.model_id and rc.cohort_name = s.cohort_name and rc.cohort_value = s.cohort_value
    left join reference as rm
        on rm.model_id = s.model_id and rm.cohort_name = '__all__'
    left join classes as k
        on k.model_id = s.model_id

),

metrics as (

    select
        model_id, bucket_start, cohort_name, cohort_value, n_labeled, n_classes, reference_scope, reference_n,
        'accuracy' as metric,
        accuracy as serving_value,
        reference_accuracy as reference_value,
        (reference_accuracy * reference_n + 1) / (reference_n + 2)
            * (1 - (reference_accuracy * reference_n + 1) / (reference_n + 2))
            * (cast(1 as {{ double }}) / n_labeled + cast(1 as {{ double }}) / reference_n) as variance
    from matched
    union all
    select
        model_id, bucket_start, cohort_name, cohort_value, n_labeled, n_classes, reference_scope, reference_n,
        'macro_f1',
        macro_f1,
        reference_macro_f1,
        reference_macro_f1_variance * (cast(reference_n as {{ double }}) / n_labeled + 1)
    from matched

),

tested as (

    select
        *,
        reference_value - serving_value as drop_value,
        case when variance > 0 then (reference_value - serving_value) / sqrt(variance) end as z_drop
    from metrics

),

noted as (

    -- the normal approximation needs about five expected errors and five expected successes
    -- (per class for macro F1) in the bucket; fewer give no evidence rather than false alarms
    select
        *,
        {{ ml_monitor.evidence_note([
            ('reference_value is null', 'no_reference'),
            ("n_labeled * least(reference_value, 1 - reference_value)"
             ~ " < 5 * case when metric = 'macro_f1' then n_classes else 1 end", 'too_few_rows'),
        ]) }} as evidence_note
    from tested

)

select
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    metric,
    cast(n_labeled as {{ dbt.type_bigint() }}) as n_labeled,
    serving_value,
    reference_value,
    cast(reference_n as {{ dbt.type_bigint() }}) as reference_n,
    reference_scope,
    drop_value,
    z_drop,
    case when evidence_note is null then {{ ml_monitor.normal_sf('z_drop') }} end as p_value,
    evidence_note
from noted
