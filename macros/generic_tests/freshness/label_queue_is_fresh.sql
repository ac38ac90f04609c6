{#- The label queue holds recent predictions: fails (one row) when it is empty, or when its
    newest row is more than max_age_hours older than the newest row of `compare_to` (the
    prediction log), or than the current time when compare_to is not given. Arguments:
      column_name      the queue's timestamp column (e.g. predicted_at)
      max_age_hours    default 48
      compare_to       optional relation, e.g. source('ml_monitor', 'predictions')
      compare_column   its timestamp column (default: the same name) -#}
{% test label_queue_is_fresh(model, column_name, max_age_hours=48, compare_to=none, compare_column=none) %}
with newest as (
    select
        (select max({{ column_name }}) from {{ model }}) as newest_in_queue,
        {%- if compare_to is not none %}
        (select max({{ compare_column or column_name }}) from {{ compare_to }}) as newest_expected
        {%- else %}
        {{ ml_monitor.to_utc_timestamp(dbt.current_timestamp()) }} as newest_expected
        {%- endif %}
)
select newest_in_queue, newest_expected
from newest
where newest_in_queue is null
   or {{ dbt.datediff('newest_in_queue', 'newest_expected', 'hour') }} > {{ max_age_hours }}
{% endtest %}
