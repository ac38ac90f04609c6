{#- Which predictions to send for labelling, per model and reason (the seed's tagging advice),
    drawn from the last ml_monitor_label_queue_buckets buckets:
      least_confident          unlabelled, lowest confidence first
      high_confidence          unlabelled, highest confidence first (negative-sample mining)
      near_threshold           unlabelled, |score − threshold| < band width, closest first
      below_threshold_correct  labelled, score below the threshold yet the label agrees,
                               lowest score first (add back to training and validation)
    Balanced across classes: each class's best candidate comes first, then each class's
    second, and so on; ties break on prediction_id. priority 1 is the first to label; at most
    ml_monitor_label_queue_size rows per model and reason. -#}
{%- set text = var('ml_monitor_text_column', none) -%}
{%- set width = var('ml_monitor_band_width') -%}

{#- the latest buckets come from the base table, not from another pass over the log -#}
{%- set base = ref('ml_monitor_base_stats') %}

with latest_bucket as (

    select model_id, max(bucket_start) as last_bucket
    from {{ base }}
    group by model_id

),

candidates as (

    select
        p.model_id,
        p.prediction_id,
        p.predicted_at,
        p.bucket_start,
        p.predicted_class,
        p.confidence,
        p.score,
        coalesce(l.label, p.label) as label,
        coalesce(t.threshold, {{ var('ml_monitor_default_threshold') }}) as threshold,
        case when t.threshold is null then 'default' else 'fitted' end as threshold_source
        {%- if text %},
        p.{{ ml_monitor.quote_identifier(text) }} as input_text
        {%- endif %}
    from (
        {{ ml_monitor.monitored_predictions(
            'bucket_start > (select ' ~ ml_monitor.shift_buckets(-var('ml_monitor_label_queue_buckets'), 'max(bucket_start)')
            ~ ' from ' ~ base ~ ')') }}
    ) as p
    inner join latest_bucket as b
        on b.model_id = p.model_id
    left join {{ ref('stg_ml_monitor__labels') }} as l
        on l.prediction_id = p.prediction_id
    left join {{ ref('ml_monitor_fitted_thresholds') }} as t
        on {{ ml_monitor.threshold_match('t', 'p') }}
    where p.bucket_start > {{ ml_monitor.shift_buckets(-var('ml_monitor_label_queue_buckets'), 'b.last_bucket') }}

),

reasons as (

    select 'least_confident' as reason, c.*, confidence as sort_key
    from candidates as c where label is null
    union all
    select 'high_confidence', c.*, -confidence
    from candidates as c where label is null
    union all
    select 'near_threshold', c.*, abs(score - threshold)
    from candidates as c where label is null and abs(score - threshold) < {{ width }}
    union all
    select 'below_threshold_correct', c.*, score
    from candidates as c where label is not null and score < threshold and label = predicted_class

),

class_ranked as (

    select
        *,
        row_number() over (partition by model_id, reason, predicted_class order by sort_key, prediction_id) as class_rank
    from reasons

),

prioritized as (

    select
        *,
        row_number() over (partition by model_id, reason order by class_rank, sort_key, predicted_class, prediction_id) as priority
    from class_ranked

)

select
    model_id,
    prediction_id,
    reason,
    priority,
    class_rank,
    predicted_class,
    confidence,
    score,
    threshold,
    threshold_source,
    label,
    predicted_at,
    bucket_start
    {%- if text %},
    input_text
    {%- endif %}
from prioritized
where priority <= {{ var('ml_monitor_label_queue_size') }}
