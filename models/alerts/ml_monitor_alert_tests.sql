{#- Every test of every monitor, one row per series and bucket, and the decision. A test
    alerts when its effect passes the rule's threshold (is_effect: a move that matters) and
    its Benjamini–Hochberg adjusted p-value is at most ml_monitor_alert_fdr (evidence that
    it is not sampling noise). The BH family is one model's bucket: every series × monitor
    tested in it, so an incremental run decides exactly as a full refresh. Rows without a
    p-value (evidence_note says why) never alert. severity is 'critical' when the effect
    is at least twice its threshold, else 'warning'. -#}
{#- embedding drift windows are dated on the bucket spine once that table exists: a
    dependency dbt cannot see when it parses -#}
-- depends_on: {{ ref('ml_monitor_bucket_spine') }}
{{ ml_monitor.warn_deprecated_vars() }}
{%- set embedding_drift = ml_monitor.python_output('ml_monitor_embedding_drift') -%}
{%- set multivariate_drift = ml_monitor.python_output('ml_monitor_multivariate_drift') -%}
{%- set min_drop = ml_monitor.setting('ml_monitor_min_performance_drop') -%}
{%- set tolerance = ml_monitor.setting('ml_monitor_null_fraction_tolerance') -%}
{%- set exclusion = ml_monitor.setting('ml_monitor_exclusion_tolerance') -%}
{%- set drift = ml_monitor.drift_rule() -%}
{%- set coverage_ratio = ml_monitor.setting('ml_monitor_min_label_coverage_ratio') -%}
{%- set drop = ml_monitor.setting('ml_monitor_volume_drop') -%}
{%- set spike = ml_monitor.setting('ml_monitor_volume_spike') -%}
{#- a share drop reads like a volume drop (1 − ratio against 1 − drop), a rise like a spike -#}
{%- set share_value = "case when share_ratio < 1 then 1 - share_ratio else share_ratio end" -%}
{%- set share_threshold = "case when share_ratio < 1 then " ~ (1 - drop) ~ " else " ~ spike ~ " end" -%}
{%- set exclusion_p_value = ml_monitor.normal_sf("(excluded_share - " ~ exclusion ~ ") / sqrt(" ~ exclusion
      ~ " * (1 - " ~ exclusion ~ ") / n_bucket_rows)") -%}

with tests as (

    {{ ml_monitor.alert_test('confidence_anomaly', ref('int_ml_monitor__confidence'),
        subject='predicted_class', metric="'mean_confidence_delta'",
        value='mean_confidence - baseline_mean', threshold=ml_monitor.setting('ml_monitor_anomaly_min_delta'),
        is_effect='abs(mean_confidence - baseline_mean) >= ' ~ ml_monitor.setting('ml_monitor_anomaly_min_delta')) }}

    union all

    {{ ml_monitor.alert_test('class_drift', ref('int_ml_monitor__class_drift'),
        subject="'class_mix'", metric=drift.metric, value=drift.value, threshold=drift.threshold,
        is_effect=drift.is_effect) }}

    union all

    {{ ml_monitor.alert_test('label_shift', ref('int_ml_monitor__label_shift'),
        subject="'label_mix'", metric=drift.metric, value=drift.value, threshold=drift.threshold,
        is_effect=drift.is_effect) }}

    union all

    {{ ml_monitor.alert_test('feature_drift', ref('int_ml_monitor__feature_drift'),
        subject='feature', metric=drift.metric, value=drift.value, threshold=drift.threshold,
        is_effect=drift.is_effect) }}

    union all

    {{ ml_monitor.alert_test('performance_drop', ref('int_ml_monitor__performance_drop'),
        subject='metric', metric="metric || '_drop'", value='drop_value', threshold=min_drop,
        is_effect='drop_value >= ' ~ min_drop) }}

    union all

    {{ ml_monitor.alert_test('estimated_performance_drop', ref('int_ml_monitor__estimated_performance'),
        subject="'__all__'", metric="'estimated_accuracy_drop'",
        value='reference_accuracy - estimated_accuracy', threshold=min_drop,
        is_effect='reference_accuracy - estimated_accuracy >= ' ~ min_drop) }}

    union all

    {{ ml_monitor.alert_test('null_fraction', ref('int_ml_monitor__null_fractions'),
        subject='column_name', metric="'null_fraction_delta'", value='delta', threshold=tolerance,
        is_effect='abs(delta) > ' ~ tolerance, where="scope = 'bucket'") }}

    union all

    {{ ml_monitor.alert_test('data_quality', ref('int_ml_monitor__data_quality'),
        subject="reason || coalesce(':' || column_name, '')", metric="'excluded_share'", value='excluded_share',
            threshold=exclusion,
        is_effect='excluded_share > ' ~ exclusion, where='bucket_start is not null',
        p_value=exclusion_p_value,
        evidence_note='cast(null as ' ~ dbt.type_string() ~ ')') }}

    {%- if embedding_drift is not none %}
    {#- the domain classifier's cross-validated AUC against chance, with the Mann–Whitney
        variance (n_r + n_s + 1) / (12 n_r n_s); a window is dated at its start, or at the
        model's first bucket when it began before it #}

    union all

    {{ ml_monitor.alert_test('embedding_drift',
        '(select w.*, greatest(cast(w.window_start as ' ~ dbt.type_timestamp() ~ '), m.first_bucket) as bucket_start'
        ~ ' from ' ~ embedding_drift ~ ' as w inner join (select model_id, min(bucket_start) as first_bucket from '
        ~ ref('ml_monitor_bucket_spine') ~ ' group by model_id) as m on m.model_id = w.model_id) as windows',
        cohort_name="'__all__'", cohort_value="'__all__'",
        subject='class', metric="'domain_auc_above_chance'", value='domain_auc - 0.5', threshold='threshold - 0.5',
        is_effect='domain_auc > threshold',
        p_value=ml_monitor.normal_sf('(domain_auc - 0.5) / sqrt(cast(n_reference + n_serving + 1 as '
            ~ ml_monitor.type_double()
                                     ~ ') / (12 * n_reference * n_serving))'),
        evidence_note="case when domain_auc is null then 'too_few_rows' end") }}
    {%- endif %}

    union all

    {{ ml_monitor.alert_test('volume_drop', ref('int_ml_monitor__volume'),
        subject="'rows'", metric="'volume_ratio_drop'", value='1 - coalesce(volume_ratio, 1)', threshold=1 - drop,
        is_effect='n_rows <= ' ~ drop ~ ' * expected_rows and expected_rows > 0', p_value='p_value_drop') }}

    union all

    {{ ml_monitor.alert_test('volume_spike', ref('int_ml_monitor__volume'),
        subject="'rows'", metric="'volume_ratio'", value='volume_ratio', threshold=spike,
        is_effect='n_rows >= ' ~ spike ~ ' * expected_rows and n_rows > 0', p_value='p_value_spike') }}

    union all

    {{ ml_monitor.alert_test('cohort_volume_share', ref('int_ml_monitor__volume'),
        subject="'share'", metric="'share_ratio'", value=share_value, threshold=share_threshold,
        is_effect='(share_ratio <= ' ~ drop ~ ' or share_ratio >= ' ~ spike ~ ')',
        p_value='p_value_share', where="cohort_name <> '__all__'") }}

    union all

    {{ ml_monitor.alert_test('stale_predictions', ref('int_ml_monitor__freshness'),
        cohort_name="'__all__'", cohort_value="'__all__'",
        subject='stream', metric="'age_hours'", value='age_hours', threshold='max_age_hours',
        is_effect='age_hours > max_age_hours', where="stream = 'predictions'") }}

    union all

    {{ ml_monitor.alert_test('stale_labels', ref('int_ml_monitor__freshness'),
        cohort_name="'__all__'", cohort_value="'__all__'",
        subject='stream', metric="'age_hours'", value='age_hours', threshold='max_age_hours',
        is_effect='age_hours > max_age_hours', where="stream = 'labels'") }}

    union all

    {{ ml_monitor.alert_test('label_coverage_drop', ref('int_ml_monitor__label_coverage'),
        subject="'labels'", metric="'coverage_ratio_drop'", value='1 - coverage_ratio', threshold=1 - coverage_ratio,
        is_effect='coverage_ratio < ' ~ coverage_ratio) }}

    union all

    {# the estimator's checking band missed more often than its level allows #}
    {{ ml_monitor.alert_test('estimator_unreliable', ref('int_ml_monitor__estimator_reliability'),
        cohort_name="'__all__'", cohort_value="'__all__'",
        subject="'accuracy'", metric="'checking_band_miss_share'", value='miss_share', threshold='miss_probability',
        is_effect='miss_share > miss_probability') }}

    union all

    {{ ml_monitor.alert_test('calibration_drift', ref('int_ml_monitor__calibration_drift'),
        cohort_name="'__all__'", cohort_value="'__all__'",
        subject='predicted_class', metric="'brier_increase'", value='brier_increase',
        threshold=ml_monitor.setting('ml_monitor_min_brier_increase'),
        is_effect='brier_increase >= '
            ~ ml_monitor.setting('ml_monitor_min_brier_increase'), where="scope = 'bucket'") }}

    {%- if multivariate_drift is not none %}
    {#- the tabular features' domain classifier, per window dated at its latest bucket; its
        p-value (the AUC's permutation distribution in closed form) comes with the table #}

    union all

    {{ ml_monitor.alert_test('multivariate_drift',
        '(select model_id, cast(bucket_start as ' ~ dbt.type_timestamp()
            ~ ') as bucket_start, domain_auc, threshold, p_value'
        ~ ' from ' ~ multivariate_drift ~ ') as windows',
        cohort_name="'__all__'", cohort_value="'__all__'",
        subject="'__all__'", metric="'domain_auc_above_chance'", value='domain_auc - 0.5', threshold='threshold - 0.5',
        is_effect='domain_auc > threshold',
        evidence_note="case when domain_auc is null then 'too_few_rows' end") }}
    {%- endif %}

),

ranked as (

    select
        *,
        count(p_value) over (partition by model_id, bucket_start) as family_size,
        case when p_value is not null then row_number() over (
            partition by model_id, bucket_start
            order by case when p_value is null then 1 else 0 end, p_value, alert_type, cohort_name, cohort_value,
                subject
        ) end as p_rank
    from tests

),

adjusted as (

    -- BH: p_(i) · m / i, made monotone from the largest p-value down
    select
        *,
        case when p_value is not null then least(1.0, min(p_value * family_size / p_rank) over (
            partition by model_id, bucket_start
            order by p_rank desc
            rows between unbounded preceding and current row
        )) end as p_value_adjusted
    from ranked

)

select
    alert_type,
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    subject,
    metric,
    value,
    threshold,
    is_effect,
    p_value,
    cast(p_value_adjusted as {{ ml_monitor.type_double() }}) as p_value_adjusted,
    cast(family_size as integer) as family_size,
    coalesce(is_effect and p_value_adjusted <= {{ ml_monitor.setting('ml_monitor_alert_fdr') }}, false) as is_alert,
    {{ ml_monitor.severity('value', 'threshold') }} as severity,
    evidence_note
from adjusted
