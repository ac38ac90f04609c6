{#- Reliability-diagram points of the top-class confidence: per model, scope ('bucket' and
    its 'week' roll-up of labelled serving rows, 'holdout' for the holdout split's labelled
    predictions, bucket_start NULL), predicted class (plus '__all__') and bin. Bins hold
    equal numbers of rows (var ml_monitor_calibration_bins; the first n mod bins one row
    more), by confidence and then prediction_id, so tied confidences split the same way on
    every warehouse. Besides each bin's mean confidence and accuracy it carries the sums
    that ml_monitor_calibration_drift adds up: squared errors (Brier) and their squares,
    and log-loss terms with the confidence clipped to [1e-15, 1 − 1e-15].
    Incremental by label arrival (ml_monitor.label_arrival_filter), in whole weeks: a week
    row depends on every bucket of its week, so a run recomputes the weeks holding a bucket
    with new rows or labels, and all their buckets (which keeps the rows of one
    bucket_start, a Monday's bucket and its week, replaced together). The holdout rows
    change only with the holdout (config_version): written by full builds, kept by
    incremental runs. -#}
{{ config(**ml_monitor.incremental_by_bucket()) }}
{%- set double = ml_monitor.type_double() -%}
{%- set timestamp = dbt.type_timestamp() -%}
{%- set eps = 1e-15 -%}
{%- set config_version = ml_monitor.config_version(['ml_monitor_labels_table', 'ml_monitor_label_columns',
    'ml_monitor_holdout_split', 'ml_monitor_calibration_bins'], {'holdout': ml_monitor.holdout_version()}) -%}
{%- set incremental = is_incremental() and not ml_monitor.base_is_stale(config_version) -%}

with serving as (

    {{ ml_monitor.labeled_predictions(
        'p.model_id, p.bucket_start, p.prediction_id, p.predicted_class, p.confidence,',
        rows=ml_monitor.label_arrival_filter(incremental, period='week')) }}

),

holdout as (

    select model_id, prediction_id, predicted_class, confidence, label
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_holdout_split')) }}
      and predicted_class is not null and confidence is not null and label is not null
      {%- if incremental %}
      {#- kept from the last full build: their NULL bucket_start matches no key a run replaces #}
      and 1 = 0
      {%- endif %}

),

scoped as (

    select model_id, 'bucket' as scope, bucket_start, prediction_id, predicted_class, confidence, label
    from serving
    where confidence is not null
    union all
    select model_id, 'week', {{ ml_monitor.bucket_start('bucket_start', 'week') }},
           prediction_id, predicted_class, confidence, label
    from serving
    where confidence is not null
    union all
    select model_id, 'holdout', cast(null as {{ timestamp }}), prediction_id, predicted_class, confidence, label
    from holdout

),

scored as (

    select
        model_id, scope, bucket_start, prediction_id, predicted_class, confidence,
        cast(case when label = predicted_class then 1 else 0 end as {{ double }}) as correct,
        least(greatest(confidence, {{ eps }}), 1 - {{ eps }}) as clipped
    from scoped

),

classes as (

    select model_id, scope, bucket_start, prediction_id, predicted_class, confidence, correct, clipped from scored
    union all
    select model_id, scope, bucket_start, prediction_id, '__all__', confidence, correct, clipped from scored

),

binned as (

    select
        *,
        ntile({{ ml_monitor.setting('ml_monitor_calibration_bins') }}) over (
            partition by model_id, scope, bucket_start, predicted_class
            order by confidence, prediction_id
        ) as bin
    from classes

)

select
    model_id,
    scope,
    bucket_start,
    predicted_class,
    cast(bin as integer) as bin,
    cast(count(*) as {{ dbt.type_bigint() }}) as n,
    min(confidence) as min_confidence,
    max(confidence) as max_confidence,
    avg(confidence) as mean_confidence,
    avg(correct) as accuracy,
    sum(confidence) as sum_confidence,
    sum(correct) as n_correct,
    sum((confidence - correct) * (confidence - correct)) as sum_squared_error,
    sum((confidence - correct) * (confidence - correct) * (confidence - correct) * (confidence - correct))
        as sum_squared_error_squared,
    -sum(correct * ln(clipped) + (1 - correct) * ln(1 - clipped)) as sum_log_loss,
    {{ ml_monitor.string_literal(config_version) }} as config_version
from binned
group by model_id, scope, bucket_start, predicted_class, bin
