{#- How far the predicted class mix of each bucket and cohort is from the training label
    mix: PSI, JS distance, L∞ and chi-square (DESIGN §4). is_drift when PSI or JS distance
    passes its threshold in a bucket of at least ml_monitor_min_bucket_size predictions. -#}
with shares as (

    select
        model_id, bucket_start, cohort_name, cohort_value,
        n, n_total, share as p, reference_share as q
    from {{ ref('ml_monitor_class_distribution') }}

),

distances as (

    {{ ml_monitor.distribution_distances('shares', ['model_id', 'bucket_start', 'cohort_name', 'cohort_value']) }}

)

select
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    n,
    psi,
    js_distance,
    linf,
    chi2_statistic,
    cast(chi2_dof as integer) as chi2_dof,
    cast(new_categories as integer) as new_classes,
    unseen_share as new_class_share,
    n >= {{ var('ml_monitor_min_bucket_size') }}
        and (psi > {{ var('ml_monitor_psi_threshold') }} or js_distance > {{ var('ml_monitor_js_threshold') }}) as is_drift
from distances
