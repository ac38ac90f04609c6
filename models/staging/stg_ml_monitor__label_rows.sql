{#- Every row of the optional labels table (var ml_monitor_labels_table) under canonical
    names, with the rank that picks the label used for its prediction: the latest
    labeled_at (NULL labeled_at last), ties to the smallest label by code point — the same
    row on every warehouse. Rows not used say why in exclusion_reason: label_null (no
    label), label_unknown_prediction (no prediction_id; ml_monitor_data_quality adds ids the
    log does not hold), label_conflict (another label than the one used). A repeat of the
    used label is harmless and has none. No rows when the var is not set. The table's
    columns are mapped by var ml_monitor_label_columns (not ml_monitor_columns: a labels
    table has names of its own); labeled_at is optional unless mapped. -#}
{%- set string = dbt.type_string() -%}
{%- set timestamp = dbt.type_timestamp() -%}
{%- if ml_monitor.setting('ml_monitor_labels_table') -%}
{%- set relation = source('ml_monitor', 'labels') -%}
{%- set columns = ml_monitor.relation_columns(relation) -%}
{%- set mapping = ml_monitor.setting('ml_monitor_label_columns') or {} -%}
{%- set c = {} -%}
{%- for canonical in ['prediction_id', 'label', 'labeled_at'] -%}
  {%- set mapped = canonical in mapping -%}
  {%- do c.update({canonical: ml_monitor.input_column(
        columns, ml_monitor.column_name(canonical, 'ml_monitor_label_columns'),
        'var ml_monitor_label_columns.' ~ canonical if mapped else 'var ml_monitor_labels_table',
        relation, required=(mapped or canonical != 'labeled_at'))}) -%}
{%- endfor %}

with labels as (

    select
        cast({{ c.prediction_id }} as {{ string }}) as prediction_id,
        cast({{ c.label }} as {{ string }}) as label,
        {{ 'cast(' ~ c.labeled_at ~ ' as ' ~ timestamp ~ ')' if c.labeled_at else 'cast(null as ' ~ timestamp
            ~ ')' }} as labeled_at
    from {{ relation }}

),

{%- set choice_order -%}
    partition by prediction_id
    order by case when labeled_at is null then 1 else 0 end, labeled_at desc, {{ ml_monitor.binary_order('label') }}
{%- endset %}

usable as (

    select
        *,
        row_number() over ({{ choice_order }}) as label_rank,
        first_value(label) over ({{ choice_order }}) as chosen_label
    from labels
    where prediction_id is not null and label is not null

)

select
    prediction_id, label, labeled_at, label_rank,
    case when label <> chosen_label then 'label_conflict' end as exclusion_reason
from usable
union all
select
    prediction_id, label, labeled_at, cast(null as {{ dbt.type_bigint() }}),
    case when prediction_id is null then 'label_unknown_prediction' else 'label_null' end
from labels
where prediction_id is null or label is null
{%- else %}
select cast(null as {{ string }}) as prediction_id, cast(null as {{ string }}) as label,
       cast(null as {{ timestamp }}) as labeled_at, cast(null as {{ dbt.type_bigint() }}) as label_rank,
       cast(null as {{ string }}) as exclusion_reason
where 1 = 0
{%- endif %}
