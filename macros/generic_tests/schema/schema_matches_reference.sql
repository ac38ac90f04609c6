{#- The model has the reference's columns with the same types: one failing row per column
    added, dropped or whose type changed. Arguments:
      reference   the reference relation, e.g. ref('training_data')
      ignore      column names left out (e.g. [split, label]) -#}
{% test schema_matches_reference(model, reference, ignore=[]) %}
{%- set ignored = ignore | map('lower') | list -%}
with model_columns as (
    {{ ml_monitor.column_list_relation(ml_monitor.relation_columns(model), ignored) }}
),
reference_columns as (
    {{ ml_monitor.column_list_relation(ml_monitor.relation_columns(reference), ignored) }}
)
select
    coalesce(m.column_name, r.column_name) as column_name,
    r.data_type as reference_type,
    m.data_type as model_type
from model_columns as m
full outer join reference_columns as r on lower(r.column_name) = lower(m.column_name)
where m.column_name is null or r.column_name is null or lower(m.data_type) <> lower(r.data_type)
{% endtest %}
