{#- Every valid prediction whose ground truth has arrived, from the log's label column or the
    labels table (which wins). Rebuilt in full on each run: labels arrive late, so a bucket's
    performance changes after the bucket has closed. -#}
select
    {{- ml_monitor.cohort_input_columns() }}
    p.prediction_id,
    p.model_id,
    p.bucket_start,
    p.predicted_class,
    p.confidence,
    coalesce(l.label, p.label) as label
from (
    {#- only rows with a label can qualify: narrow to those before anything else -#}
    {{ ml_monitor.monitored_predictions(
        'label is not null' ~ (' or prediction_id in (select prediction_id from ' ~ ref('stg_ml_monitor__labels') ~ ')'
                               if var('ml_monitor_labels_table', none) else '')) }}
) as p
left join {{ ref('stg_ml_monitor__labels') }} as l
    on l.prediction_id = p.prediction_id
where coalesce(l.label, p.label) is not null
