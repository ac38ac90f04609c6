{#- Calibration of the top-class confidence on labelled serving rows, per model, scope
    ('bucket', or its 'week' roll-up), bucket_start and predicted class (plus '__all__'),
    beside the holdout's on the same class:
        ECE      = Σ_bins (n_b / n) · |mean confidence_b − accuracy_b|  (equal-mass bins)
        Brier    = mean (confidence − correct)²
        log-loss = − mean (correct · ln confidence + (1 − correct) · ln (1 − confidence))
    Evidence that serving is calibrated worse than the holdout: the one-sided z test of the
    Brier difference with each side's per-row variance,
        z = (Brier − Brier_holdout) / √(s² / n + s_holdout² / n_holdout),
    a difference of two means of bounded per-row values (the CLT applies). The Brier score
    also rises when the model separates the classes less well at equal calibration (it is
    calibration plus refinement); ECE says which it is. ECE itself gets no test: with few
    rows per bin it is biased upwards (small buckets look miscalibrated). The decision is
    made in ml_monitor_alert_tests (bucket rows). -#}
{%- set double = ml_monitor.type_double() -%}

with groups as (

    select
        model_id, scope, bucket_start, predicted_class,
        sum(n) as n,
        cast(sum(sum_confidence) as {{ double }}) / sum(n) as mean_confidence,
        cast(sum(n_correct) as {{ double }}) / sum(n) as accuracy,
        cast(sum(abs(sum_confidence - n_correct)) as {{ double }}) / sum(n) as ece,
        cast(sum(sum_squared_error) as {{ double }}) / sum(n) as brier,
        cast(sum(sum_squared_error_squared) as {{ double }}) as sum_squared_error_squared,
        cast(sum(sum_log_loss) as {{ double }}) / sum(n) as log_loss
    from {{ ref('ml_monitor_calibration_bins') }}
    group by model_id, scope, bucket_start, predicted_class

),

measured as (

    -- the sample variance of the per-row squared error
    select
        *,
        case when n > 1 then greatest(0.0,
            (sum_squared_error_squared - n * brier * brier) / (n - 1)) end as brier_variance
    from groups

),

matched as (

    select
        s.model_id, s.scope, s.bucket_start, s.predicted_class,
        s.n, s.mean_confidence, s.accuracy, s.ece, s.brier, s.log_loss, s.brier_variance,
        h.n as reference_n,
        h.mean_confidence as reference_mean_confidence,
        h.accuracy as reference_accuracy,
        h.ece as reference_ece,
        h.brier as reference_brier,
        h.log_loss as reference_log_loss,
        h.brier_variance as reference_brier_variance
    from measured as s
    left join measured as h
        on h.model_id = s.model_id and h.predicted_class = s.predicted_class and h.scope = 'holdout'
    where s.scope <> 'holdout'

),

tested as (

    select
        *,
        brier - reference_brier as brier_increase,
        ece - reference_ece as ece_increase,
        case when brier_variance / n + reference_brier_variance / reference_n > 0
             then (brier - reference_brier) / sqrt(brier_variance / n + reference_brier_variance / reference_n) end
                 as z_brier
    from matched

),

noted as (

    -- as for measured performance: about five expected errors and five expected successes
    select
        *,
        {{ ml_monitor.evidence_note([
            ('reference_n is null', 'no_reference'),
            ('n * least(reference_accuracy, 1 - reference_accuracy) < 5 or n < 2 or reference_n < 2', 'too_few_rows'),
        ]) }} as evidence_note
    from tested

)

select
    model_id,
    scope,
    bucket_start,
    predicted_class,
    cast(n as {{ dbt.type_bigint() }}) as n,
    mean_confidence,
    accuracy,
    ece,
    brier,
    log_loss,
    cast(reference_n as {{ dbt.type_bigint() }}) as reference_n,
    reference_mean_confidence,
    reference_accuracy,
    reference_ece,
    reference_brier,
    reference_log_loss,
    ece_increase,
    brier_increase,
    z_brier,
    case when evidence_note is null then
        case when z_brier is not null then {{ ml_monitor.normal_sf('z_brier') }}
             else case when brier_increase > 0 then 0.0 else 1.0 end end
    end as p_value,
    evidence_note
from noted
