{#- Measured performance once labels arrive, per model, bucket, cohort and class, from the
    confusion counts (see ml_monitor.classification_metrics for every definition). -#}
{{ ml_monitor.classification_metrics(ref('ml_monitor_confusion_counts'), ['model_id', 'bucket_start', 'cohort_name',
    'cohort_value']) }}
