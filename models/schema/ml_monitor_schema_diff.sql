{#- Training against serving schema, one row per input column found in either table.
    Bookkeeping columns (ids, timestamps, the model's outputs, label, split) and
    ml_monitor_schema_ignore are left out: the diff is about model inputs. Types are
    compared as the adapter reports them. -#}
{%- set string = dbt.type_string() -%}
{%- set ignored = ['split'] + (ml_monitor.setting('ml_monitor_schema_ignore') or []) -%}
{%- for canonical in ['prediction_id', 'model_id', 'model_version', 'predicted_at', 'predicted_class', 'confidence',
    'label', 'split'] -%}
  {%- do ignored.append(ml_monitor.column_name(canonical)) -%}
{%- endfor -%}
{%- set ignored = ignored | map('lower') | list -%}
{%- set reference_columns = ml_monitor.relation_columns(source('ml_monitor', 'reference')) -%}
{%- set serving_columns = ml_monitor.relation_columns(source('ml_monitor', 'predictions')) -%}

with reference_columns as (

    {{ ml_monitor.column_list_relation(reference_columns, ignored) }}

),

serving_columns as (

    {{ ml_monitor.column_list_relation(serving_columns, ignored) }}

),

both_sides as (

    select
        coalesce(r.column_name, s.column_name) as column_name,
        r.data_type as reference_type,
        s.data_type as serving_type
    from reference_columns as r
    full outer join serving_columns as s
        on lower(r.column_name) = lower(s.column_name)

)

select
    column_name,
    reference_type,
    serving_type,
    case
        when serving_type is null then 'dropped'
        when reference_type is null then 'added'
        when lower(reference_type) <> lower(serving_type) then 'type_changed'
        else 'unchanged'
    end as status
from both_sides
