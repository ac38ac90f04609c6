{#- Predictions logged more than once: the copies the monitors leave out, per model,
    prediction_id and bucket (ml_monitor_prediction_ids where n_excluded > 0). The monitors
    keep one copy of each prediction, the earliest (its first bucket, then predicted_at); the
    others are counted in ml_monitor_data_quality. A view: in a log without duplicates it is
    empty and the monitors skip the de-duplication. -#}
{{ config(materialized='ml_monitor_view') }}

select model_id, prediction_id, bucket_start, first_bucket, n_copies, n_excluded
from {{ ref('ml_monitor_prediction_ids') }}
where n_excluded > 0
