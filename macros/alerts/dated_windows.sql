{#- The windows a Python step scored (a table with model_id and window_start) as a relation
    with bucket_start: a window is dated at its start, or at the model's first bucket on the
    bucket spine when it began before it. -#}
{% macro dated_windows(relation) -%}
    (select w.*, greatest(cast(w.window_start as {{ dbt.type_timestamp() }}), m.first_bucket) as bucket_start
     from {{ relation }} as w
     inner join (select model_id, min(bucket_start) as first_bucket from {{ ref('ml_monitor_bucket_spine') }}
                 group by model_id) as m
         on m.model_id = w.model_id) as windows
{%- endmacro %}
