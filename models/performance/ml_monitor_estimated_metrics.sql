{#- Performance estimated without labels (confidence-based, NannyML's CBPE), per model,
    bucket, cohort and class, from the expected confusion matrix of the bucket's predictions.
    The log holds only the top class and its confidence, so the matrix is built from
    what that tells:
      - the expected true positives of class c are the sum of calibrated P(correct) over the
        rows predicted c (ml_monitor_base_stats), its expected false positives the rest;
      - the expected errors of the rows predicted k are spread over the other labels as the
        holdout's errors of rows predicted k are, with the model's holdout errors (by label)
        as a prior worth ml_monitor_calibration_prior_rows rows: a class without holdout
        errors spreads like the model's errors. The false negatives of c are the errors of
        every other class spread onto label c. This assumes the mix of wrong labels behind
        each predicted class is the holdout's, even where its rate is not.
    From it: accuracy and macro F1 (predicted_class '__all__'), precision, recall and F1 per
    class, defined as in ml_monitor_performance (0 where undefined).

    Each estimate has two bands of ± ml_monitor_estimate_band_z standard errors, both a
    proportion's √(v(1 − v)/m) at the estimate v (macro F1: Σ f(1 − f)/m_c / K² over the
    classes, as ml_monitor.classification_metrics):
      - alerting: m counts the bucket's rows behind the estimate (accuracy: n; precision:
        rows predicted c; recall: expected rows labelled c; F1: the mean of those two) —
        where the estimate itself could lie; estimated_performance_drop alerts on it;
      - checking: m counts the labelled rows the realised metric is measured on — where the
        realised metric falls if the estimate is right. Labels are assumed to arrive for a
        random subset of the bucket; the holdout's own sampling error is left out, and a
        calibration that does not transfer shows as misses (estimator_unreliable).
    Until `ml-monitor fit-thresholds` has written a calibration, estimates are NULL. -#}
{%- set double = ml_monitor.type_double() -%}
{%- set z = ml_monitor.setting('ml_monitor_estimate_band_z') -%}
{%- set prior_rows = ml_monitor.setting('ml_monitor_calibration_prior_rows') -%}
{%- set keys = ['model_id', 'bucket_start', 'cohort_name', 'cohort_value'] -%}

with predicted as (

    -- expected true positives: NULL where the bucket has no calibration
    select
        model_id, bucket_start, cohort_name, cohort_value, predicted_class,
        n as n_predicted,
        case when n_calibrated = n then sum_calibrated_probability end as expected_tp
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class' and predicted_class <> '__all__'

),

calibration_sources as (

    select model_id, predicted_class, case when predicted_class = '__all__' then 'model' else 'class' end as source
    from {{ ref('ml_monitor_fitted_calibration') }}
    group by model_id, predicted_class

),

holdout as (

    select model_id, predicted_class, label, n
    from {{ ref('ml_monitor_reference_confusion_counts') }}
    where cohort_name = '__all__'

),

model_errors as (

    -- the model's holdout errors by label: the prior of every class's spread
    select model_id, label, sum(n) as n_errors
    from holdout
    where predicted_class <> label
    group by model_id, label

),

model_error_totals as (

    select model_id, sum(n_errors) as n_errors from model_errors group by model_id

),

predicting_classes as (

    -- every class predicted in serving or on the holdout, with its holdout errors
    select
        c.model_id, c.predicted_class,
        coalesce(sum(case when h.label <> h.predicted_class then h.n end), 0) as n_errors
    from (
        select distinct model_id, predicted_class from predicted
        union
        select distinct model_id, predicted_class from holdout
    ) as c
    left join holdout as h
        on h.model_id = c.model_id and h.predicted_class = c.predicted_class
    group by c.model_id, c.predicted_class

),

error_spread as (

    -- share of the errors of rows predicted k that carry label c (c <> k)
    select
        k.model_id,
        k.predicted_class,
        e.label,
        (coalesce(h.n, 0)
         + {{ prior_rows }} * cast(e.n_errors as {{ double }}) / nullif(t.n_errors - coalesce(own.n_errors, 0), 0))
            / (k.n_errors + {{ prior_rows }}) as share
    from predicting_classes as k
    inner join model_errors as e
        on e.model_id = k.model_id and e.label <> k.predicted_class
    inner join model_error_totals as t
        on t.model_id = k.model_id
    left join model_errors as own
        on own.model_id = k.model_id and own.label = k.predicted_class
    left join holdout as h
        on h.model_id = k.model_id and h.predicted_class = k.predicted_class and h.label = e.label

),

expected_fn as (

    select
        {% for key in keys %}p.{{ key }}, {% endfor %}
        s.label as predicted_class,
        sum((p.n_predicted - p.expected_tp) * s.share) as expected_fn
    from predicted as p
    inner join error_spread as s
        on s.model_id = p.model_id and s.predicted_class = p.predicted_class
    group by {% for key in keys %}p.{{ key }}, {% endfor %}s.label

),

bucket_calibrated as (

    select {{ keys | join(', ') }}, min(case when expected_tp is null then 0 else 1 end) as is_calibrated
    from predicted
    group by {{ keys | join(', ') }}

),

classes as (

    select {{ keys | join(', ') }}, predicted_class from predicted
    union
    select {{ keys | join(', ') }}, predicted_class from expected_fn

),

expected as (

    -- the expected confusion counts of each class; NULL in a bucket without calibration
    select
        {% for key in keys %}c.{{ key }}, {% endfor %}
        c.predicted_class,
        coalesce(p.n_predicted, 0) as n_predicted,
        case when b.is_calibrated = 1 then coalesce(p.expected_tp, 0) end as tp,
        case when b.is_calibrated = 1 then coalesce(f.expected_fn, 0) end as fn,
        coalesce(s.source, m.source, 'none') as calibration_source
    from classes as c
    inner join bucket_calibrated as b
        on {% for key in keys %}{{ 'and ' if not loop.first }}b.{{ key }} = c.{{ key }} {% endfor %}
    left join predicted as p
        on {% for key in keys %}p.{{ key }} = c.{{ key }} and {% endfor %}p.predicted_class = c.predicted_class
    left join expected_fn as f
        on {% for key in keys %}f.{{ key }} = c.{{ key }} and {% endfor %}f.predicted_class = c.predicted_class
    left join calibration_sources as s
        on s.model_id = c.model_id and s.predicted_class = c.predicted_class
    left join calibration_sources as m
        on m.model_id = c.model_id and m.predicted_class = '__all__'

),

class_estimates as (

    select
        *,
        case when n_predicted > 0 then tp / n_predicted else 0 end as est_precision,
        case when tp + fn > 0 then tp / (tp + fn) else 0 end as est_recall,
        case when n_predicted + tp + fn > 0 then 2 * tp / (n_predicted + tp + fn) else 0 end as est_f1
    from expected

),

realized as (

    select {{ keys | join(', ') }}, predicted_class, n_labeled, n_predicted, accuracy, precision, recall, f1, macro_f1
    from {{ ref('ml_monitor_performance') }}

),

{#- metric: (rows behind the estimate, labelled rows behind the realised value) -#}
{%- set class_metric_sizes = [
      ('precision', 'e.n_predicted', 'r.n_predicted'),
      ('recall', 'e.tp + e.fn', 'r.n_labeled'),
      ('f1', '(e.n_predicted + e.tp + e.fn) / 2e0', '(r.n_predicted + r.n_labeled) / 2e0')] %}

class_metric_names as (

    {%- for metric, _, _ in class_metric_sizes %}
    select '{{ metric }}' as metric {{ "union all" if not loop.last }}
    {%- endfor %}

),

-- one read of the class estimates for every metric (Spark computes a CTE at each reference)
class_metric_inputs as (

    select
        {% for key in keys %}e.{{ key }}, {% endfor %}e.predicted_class,
        m.metric,
        e.calibration_source,
        case m.metric
            {%- for metric, _, _ in class_metric_sizes %}
            when '{{ metric }}' then e.est_{{ metric }}
            {%- endfor %}
        end as estimate,
        case m.metric
            {%- for metric, _, _ in class_metric_sizes %}
            when '{{ metric }}' then r.{{ metric }}
            {%- endfor %}
        end as realized,
        case m.metric
            {%- for metric, alerting_m, _ in class_metric_sizes %}
            when '{{ metric }}' then {{ alerting_m }}
            {%- endfor %}
        end as alerting_m,
        case m.metric
            {%- for metric, _, checking_m in class_metric_sizes %}
            when '{{ metric }}' then {{ checking_m }}
            {%- endfor %}
        end as checking_m
    from class_estimates as e
    left join realized as r
        on {% for key in keys %}r.{{ key }} = e.{{ key }} and {% endfor %}r.predicted_class = e.predicted_class
    cross join class_metric_names as m

),

class_metrics as (

    select
        {{ keys | join(', ') }}, predicted_class, metric, calibration_source, estimate,
        estimate * (1 - estimate) / nullif(alerting_m, 0) as alerting_variance,
        realized,
        checking_m as n_checked,
        estimate * (1 - estimate) / nullif(checking_m, 0) as checking_variance
    from class_metric_inputs

),

population as (

    select
        {% for key in keys %}e.{{ key }}, {% endfor %}
        case when count(distinct e.calibration_source) = 1
            then max(e.calibration_source) else 'mixed' end as calibration_source,
        sum(e.n_predicted) as n,
        sum(e.tp) / sum(e.n_predicted) as est_accuracy,
        avg(e.est_f1) as est_macro_f1,
        -- Σ f(1 − f)/m_c / K², with m_c from the bucket (alerting) and from the labels (checking)
        sum(e.est_f1 * (1 - e.est_f1) * 2 / nullif(e.n_predicted + e.tp + e.fn, 0)) / (count(*) * count(*))
            as alerting_f1_variance,
        sum(e.est_f1 * (1 - e.est_f1) * 2 / nullif(r.n_predicted + r.n_labeled, 0)) / (count(*) * count(*))
            as checking_f1_variance
    from class_estimates as e
    left join realized as r
        on {% for key in keys %}r.{{ key }} = e.{{ key }} and {% endfor %}r.predicted_class = e.predicted_class
    group by {% for key in keys %}e.{{ key }}{{ ", " if not loop.last }}{% endfor %}

),

population_metrics as (

    select
        {% for key in keys %}p.{{ key }}, {% endfor %}'__all__' as predicted_class,
        'accuracy' as metric,
        p.calibration_source,
        p.est_accuracy as estimate,
        p.est_accuracy * (1 - p.est_accuracy) / p.n as alerting_variance,
        r.accuracy as realized,
        r.n_labeled as n_checked,
        p.est_accuracy * (1 - p.est_accuracy) / nullif(r.n_labeled, 0) as checking_variance
    from population as p
    left join realized as r
        on {% for key in keys %}r.{{ key }} = p.{{ key }} and {% endfor %}r.predicted_class = '__all__'

    union all

    select
        {% for key in keys %}p.{{ key }}, {% endfor %}'__all__',
        'macro_f1',
        p.calibration_source,
        p.est_macro_f1,
        p.alerting_f1_variance,
        r.macro_f1,
        r.n_labeled,
        p.checking_f1_variance
    from population as p
    left join realized as r
        on {% for key in keys %}r.{{ key }} = p.{{ key }} and {% endfor %}r.predicted_class = '__all__'

),

banded as (

    select
        *,
        {{ z }} * sqrt(alerting_variance) as alerting_half_width,
        {{ z }} * sqrt(checking_variance) as checking_half_width
    from (
        select * from population_metrics
        union all
        select * from class_metrics
    ) as metrics

)

select
    {{ keys | join(', ') }},
    predicted_class,
    metric,
    calibration_source,
    estimate,
    greatest(0.0, estimate - alerting_half_width) as alerting_lower,
    least(1.0, estimate + alerting_half_width) as alerting_upper,
    cast(case when realized is not null then n_checked end as {{ double }}) as n_checked,
    realized,
    greatest(0.0, estimate - checking_half_width) as checking_lower,
    least(1.0, estimate + checking_half_width) as checking_upper,
    case when realized is not null and estimate is not null and checking_half_width is not null
         then realized >= estimate - checking_half_width
             and realized <= estimate + checking_half_width end as is_within_checking_band
from banded
