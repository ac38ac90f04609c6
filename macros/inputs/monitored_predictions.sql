{#- The rows the monitors count: valid predictions (no exclusion_reason), a prediction
    logged twice in one bucket kept once (the earliest copy). `where` narrows the rows
    before the de-duplication, so incremental models only window their recent buckets;
    ml_monitor_data_quality counts the copies left out. -#}
{% macro monitored_predictions(where='1 = 1') %}
    select *
    from (
        select
            *,
            row_number() over (
                partition by prediction_id, bucket_start
                order by predicted_at, confidence, predicted_class
            ) as copy_number
        from {{ ref('stg_ml_monitor__predictions') }}
        where exclusion_reason is null and ({{ where }})
    ) as valid_rows
    where copy_number = 1
{% endmacro %}
