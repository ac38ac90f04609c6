{#- Share of each predicted class per model, bucket and cohort, beside its share in the
    model's reference mix (its holdout predictions; see ml_monitor_reference_class_shares).
    Classes of the reference that were not predicted in a bucket appear with
    n = 0, so the rows of a bucket cover the union of serving and reference classes. -#}
with bucket_totals as (

    select model_id, bucket_start, cohort_name, cohort_value, n as n_total
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class' and predicted_class = '__all__'

),

class_counts as (

    select model_id, bucket_start, cohort_name, cohort_value, predicted_class, n
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class' and predicted_class <> '__all__'

),

reference_shares as (

    select model_id, predicted_class, reference_n, reference_total, reference_share
    from {{ ref('ml_monitor_reference_class_shares') }}

),

reference_totals as (

    select distinct model_id, reference_total
    from reference_shares

),

categories as (

    select model_id, bucket_start, cohort_name, cohort_value, predicted_class
    from class_counts
    union
    select t.model_id, t.bucket_start, t.cohort_name, t.cohort_value, r.predicted_class
    from bucket_totals as t
    inner join reference_shares as r
        on r.model_id = t.model_id

)

select
    c.model_id,
    c.bucket_start,
    c.cohort_name,
    c.cohort_value,
    c.predicted_class,
    coalesce(n.n, 0) as n,
    t.n_total,
    cast(coalesce(n.n, 0) as {{ ml_monitor.type_double() }}) / t.n_total as share,
    coalesce(r.reference_n, 0) as reference_n,
    ref_totals.reference_total,
    coalesce(r.reference_share, 0) as reference_share,
    cast(coalesce(n.n, 0) as {{ ml_monitor.type_double() }}) / t.n_total - coalesce(r.reference_share, 0) as share_delta
from categories as c
inner join bucket_totals as t
    on {{ ml_monitor.same_series('t', 'c') }}
left join class_counts as n
    on {{ ml_monitor.same_series('n', 'c', ['predicted_class']) }}
left join reference_shares as r
    on r.model_id = c.model_id
    and r.predicted_class = c.predicted_class
left join reference_totals as ref_totals
    on ref_totals.model_id = c.model_id
