{#- Late-arriving ground truth, one row per prediction_id: the label stg_ml_monitor__label_rows
    ranks first (latest labeled_at, NULL last, then the smallest label). No rows when var
    ml_monitor_labels_table is not set. -#}
select prediction_id, label, labeled_at
from {{ ref('stg_ml_monitor__label_rows') }}
where label_rank = 1
