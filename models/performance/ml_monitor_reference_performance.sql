{#- Performance of the model on its holdout split, per model, cohort and class: what
    measured performance in serving is compared with (ml_monitor_performance_drop). -#}
{{ config(materialized='ml_monitor_reference_table') }}
{{ ml_monitor.classification_metrics(ref('ml_monitor_reference_confusion_counts'), ['model_id', 'cohort_name',
    'cohort_value']) }}
