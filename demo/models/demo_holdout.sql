-- The holdout rows, with the model's own predictions.
select * from {{ source('ml_monitor', 'reference') }} where split = 'validation'
