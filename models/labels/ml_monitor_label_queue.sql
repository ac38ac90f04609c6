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
        {{ ml_monitor.monitored_predictions(ml_monitor.recent_buckets_filter(base, var('ml_monitor_label_queue_buckets') - 1)) }}
    ) as p
    inner join latest_bucket as b
        on b.model_id = p.model_id
    left join {{ ref('stg_ml_monitor__labels') }} as l
        on l.prediction_id = p.prediction_id
    left join {{ ref('ml_monitor_fitted_thresholds') }} as t
        on {{ ml_monitor.threshold_match('t', 'p') }}
    where p.bucket_start > {{ ml_monitor.shift_buckets(-var('ml_monitor_label_queue_buckets'), 'b.last_bucket') }}

),

-- ranked on narrow rows (keys and sort key), the rest of each chosen row joined back after
reasons as (

    select model_id, 'least_confident' as reason, predicted_class, prediction_id, confidence as sort_key
    from candidates where label is null
    union all
    select model_id, 'high_confidence', predicted_class, prediction_id, -confidence
    from candidates where label is null
    union all
    select model_id, 'near_threshold', predicted_class, prediction_id, abs(score - threshold)
    from candidates where label is null and abs(score - threshold) < {{ width }}
    union all
    select model_id, 'below_threshold_correct', predicted_class, prediction_id, score
    from candidates where label is not null and score < threshold and label = predicted_class

),

class_cutoffs as (

    -- the size-th smallest sort key per reason and class: a numeric top-N that engines
    -- answer without sorting every candidate; ties at the cutoff are kept below
    select model_id, reason, predicted_class, max(sort_key) as cutoff
    from (
        select
            model_id, reason, predicted_class, sort_key,
            row_number() over (partition by model_id, reason, predicted_class order by sort_key) as key_rank
        from reasons
    ) as keys
    where key_rank <= {{ var('ml_monitor_label_queue_size') }}
    group by model_id, reason, predicted_class

),

class_ranked as (

    select
        r.*,
        row_number() over (partition by r.model_id, r.reason, r.predicted_class order by r.sort_key, r.prediction_id) as class_rank
    from reasons as r
    inner join class_cutoffs as k
        on k.model_id = r.model_id and k.reason = r.reason and k.predicted_class = r.predicted_class
        and r.sort_key <= k.cutoff

),

prioritized as (

    -- a row past class rank `size` can never be within the first `size` priorities
    select
        *,
        row_number() over (partition by model_id, reason order by class_rank, sort_key, predicted_class, prediction_id) as priority
    from class_ranked
    where class_rank <= {{ var('ml_monitor_label_queue_size') }}

)

select
    q.model_id,
    q.prediction_id,
    q.reason,
    q.priority,
    q.class_rank,
    q.predicted_class,
    c.confidence,
    c.score,
    c.threshold,
    c.threshold_source,
    c.label,
    c.predicted_at,
    c.bucket_start
    {%- if text %},
    c.input_text
    {%- endif %}
from prioritized as q
inner join candidates as c
    on c.model_id = q.model_id and c.prediction_id = q.prediction_id
where q.priority <= {{ var('ml_monitor_label_queue_size') }}
