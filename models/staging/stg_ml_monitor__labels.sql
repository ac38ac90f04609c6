{#- Late-arriving ground truth from the optional labels table (var ml_monitor_labels_table),
    one row per prediction_id (the latest label wins); no rows when the var is not set. -#}
{%- set string = dbt.type_string() -%}
{%- if var('ml_monitor_labels_table', none) -%}
{%- set relation = source('ml_monitor', 'labels') -%}
{%- set columns = ml_monitor.relation_columns(relation) -%}
{%- set labeled_at = ml_monitor.input_column(columns, 'labeled_at', 'var ml_monitor_labels_table', relation, required=false) -%}

with labels as (

    select
        cast({{ ml_monitor.input_column(columns, ml_monitor.column_name('prediction_id'), 'var ml_monitor_labels_table', relation) }} as {{ string }}) as prediction_id,
        cast({{ ml_monitor.input_column(columns, ml_monitor.column_name('label'), 'var ml_monitor_labels_table', relation) }} as {{ string }}) as label,
        {{ 'cast(' ~ labeled_at ~ ' as ' ~ dbt.type_timestamp() ~ ')' if labeled_at else 'cast(null as ' ~ dbt.type_timestamp() ~ ')' }} as labeled_at
    from {{ relation }}

),

ranked as (

    select *, row_number() over (partition by prediction_id order by labeled_at desc, label) as label_rank
    from labels
    where prediction_id is not null and label is not null

)

select prediction_id, label, labeled_at
from ranked
where label_rank = 1
{%- else %}
select cast(null as {{ string }}) as prediction_id, cast(null as {{ string }}) as label,
       cast(null as {{ dbt.type_timestamp() }}) as labeled_at
where 1 = 0
{%- endif %}
