{#- How far the predicted class mix of each bucket and cohort is from the model's reference
    mix (its holdout predictions): PSI, JS distance, L∞, and the two-sample chi-square test
    of the bucket's counts against the reference counts, guarded by the same test against the
    same weekday of recent weeks (ml_monitor.seasonal_guard): p_value is the larger of the two.
    The decision (is_drift) is made in ml_monitor_alert_tests; ml_monitor_class_drift shows it. -#}
with shares as (

    select
        model_id, bucket_start, cohort_name, cohort_value, predicted_class,
        n, n_total, share as p, reference_n as r, reference_total as r_total, reference_share as q
    from {{ ref('ml_monitor_class_distribution') }}

),

tested as (

    {{ ml_monitor.distribution_test('shares', ['model_id', 'bucket_start', 'cohort_name', 'cohort_value']) }}

),

guarded as (

    {{ ml_monitor.seasonal_guard('tested', 'shares', 'predicted_class') }}

)

select
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    n,
    n_reference,
    psi,
    js_distance,
    linf,
    chi2_statistic,
    cast(chi2_dof as integer) as chi2_dof,
    cast(new_categories as integer) as new_classes,
    unseen_share as new_class_share,
    chi2_p_value as reference_p_value,
    seasonal_reference,
    cast(seasonal_buckets as integer) as seasonal_buckets,
    cast(seasonal_n as {{ dbt.type_bigint() }}) as seasonal_n,
    seasonal_js_distance,
    seasonal_chi2_statistic,
    seasonal_p_value,
    p_value,
    evidence_note
from guarded
