-- The rows the model was trained on.
select * from {{ source('ml_monitor', 'reference') }} where split = 'train'
