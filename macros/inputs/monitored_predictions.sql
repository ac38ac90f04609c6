{#- The rows the monitors count: valid predictions (no exclusion_reason), a prediction
    logged more than once counted once, by its earliest copy (see
    ml_monitor_duplicate_predictions: a bucket's copies left out). `where` narrows the rows
    first, so incremental models only read their recent buckets. The de-duplication is left
    out when the log has no duplicates, and otherwise windows only the repeated predictions
    of the kept copy's bucket; a later bucket's copies are all left out. -#}
{% macro monitored_predictions(where='1 = 1') %}
  {%- set staged = ref('stg_ml_monitor__predictions') -%}
  {%- set duplicates = ref('ml_monitor_duplicate_predictions') -%}
  {%- set has_duplicates = ml_monitor.has_rows(duplicates) %}
    select *
    from {{ staged }} as s
    where s.exclusion_reason is null and ({{ where }})
  {%- if has_duplicates %}
      and not exists (
        select 1 from {{ duplicates }} as d
        where d.model_id = s.model_id and d.prediction_id = s.prediction_id and d.bucket_start = s.bucket_start
      )
    union all
    select
        {%- for column in ml_monitor.relation_columns(staged) %}
        {{ ml_monitor.quote_identifier(column.name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            s.*,
            row_number() over (
                partition by s.model_id, s.prediction_id
                order by s.predicted_at, s.confidence, {{ ml_monitor.binary_order('s.predicted_class') }}
            ) as copy_number
        from {{ staged }} as s
        where s.exclusion_reason is null and ({{ where }})
          and exists (
            select 1 from {{ duplicates }} as d
            where d.model_id = s.model_id and d.prediction_id = s.prediction_id
              and d.bucket_start = s.bucket_start and d.bucket_start = d.first_bucket
          )
    ) as first_bucket_copies
    where copy_number = 1
  {%- endif %}
{% endmacro %}
