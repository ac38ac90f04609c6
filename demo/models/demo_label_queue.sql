-- What the labelling team works from.
select * from {{ ref('ml_monitor_label_queue') }}
