{#- The label mix of each bucket's labelled serving rows against the training labels, per
    model, bucket and cohort: the same distances and two-sample chi-square test as class
    drift (ml_monitor.distribution_distances). Class drift compares predictions with the
    holdout's predictions; this compares ground truth with ground truth. The decision is
    made in ml_monitor_alert_tests. -#}
{%- set double = ml_monitor.type_double() -%}

with serving_labels as (

    select model_id, bucket_start, cohort_name, cohort_value, label, sum(n) as n
    from {{ ref('ml_monitor_confusion_counts') }}
    group by model_id, bucket_start, cohort_name, cohort_value, label

),

serving_totals as (

    select model_id, bucket_start, cohort_name, cohort_value, sum(n) as n_total
    from serving_labels
    group by model_id, bucket_start, cohort_name, cohort_value

),

training_labels as (

    select model_id, predicted_class as label, label_n, label_total
    from {{ ref('ml_monitor_reference_class_shares') }}
    where label_n > 0

),

training_totals as (

    select distinct model_id, label_total
    from training_labels

),

categories as (

    select model_id, bucket_start, cohort_name, cohort_value, label from serving_labels
    union
    select t.model_id, t.bucket_start, t.cohort_name, t.cohort_value, r.label
    from serving_totals as t
    inner join training_labels as r on r.model_id = t.model_id

),

shares as (

    select
        c.model_id, c.bucket_start, c.cohort_name, c.cohort_value,
        coalesce(s.n, 0) as n,
        t.n_total,
        cast(coalesce(s.n, 0) as {{ double }}) / t.n_total as p,
        coalesce(r.label_n, 0) as r,
        totals.label_total as r_total,
        cast(coalesce(r.label_n, 0) as {{ double }}) / totals.label_total as q
    from categories as c
    inner join serving_totals as t
        on {{ ml_monitor.same_series('t', 'c') }}
    left join serving_labels as s
        on {{ ml_monitor.same_series('s', 'c', ['label']) }}
    left join training_labels as r
        on r.model_id = c.model_id and r.label = c.label
    left join training_totals as totals
        on totals.model_id = c.model_id

),

tested as (

    {{ ml_monitor.distribution_test('shares', ['model_id', 'bucket_start', 'cohort_name', 'cohort_value']) }}

)

select
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    cast(n as {{ dbt.type_bigint() }}) as n_labeled,
    cast(n_reference as {{ dbt.type_bigint() }}) as n_reference,
    psi,
    js_distance,
    linf,
    chi2_statistic,
    cast(chi2_dof as integer) as chi2_dof,
    cast(new_categories as integer) as new_labels,
    chi2_p_value as p_value,
    evidence_note
from tested
