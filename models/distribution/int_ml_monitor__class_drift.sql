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

measured as (

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
        evidence_note
    from tested

),

guarded as (

    {{ ml_monitor.seasonal_guard('measured', 'shares', 'predicted_class') }}

)

select * from guarded
