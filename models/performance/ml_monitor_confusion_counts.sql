{#- Predicted class against ground truth, counted per model, bucket and cohort, for every
    valid prediction whose label has arrived (the log's label column, or the labels table,
    which wins). A label outside the model's classes is kept (the model got it wrong) and
    counted in ml_monitor_data_quality as label_unknown_class.
    Incremental by label arrival: a run recomputes the buckets the base tables recompute
    (new and late log rows; the window's start is this table's own latest bucket, never
    later than theirs) and the buckets of the predictions whose labels arrived since, i.e.
    rows of the labels table with labeled_at in the window (found through the id index,
    ml_monitor_prediction_ids), so a label that changes moves its count. A label dated
    before the window is late like a late log row: counted at the next full refresh. When
    some label has no labeled_at, arrival cannot be told and every bucket is recomputed. -#}
{{ config(**ml_monitor.incremental_by_bucket()) }}
-- depends_on: {{ ref('stg_ml_monitor__label_rows') }}
-- depends_on: {{ ref('ml_monitor_prediction_ids') }}

{%- set labels_table = ml_monitor.setting('ml_monitor_labels_table') -%}
{%- if labels_table -%}
  {#- a label '__all__' would merge with the rows of every class -#}
  {%- do ml_monitor.check_reserved_values(ref('stg_ml_monitor__labels'),
        [{'expr': 'label', 'column': ml_monitor.column_name('label'), 'source': 'var ml_monitor_labels_table',
          'values': [ml_monitor.reserved_values().all]}], source('ml_monitor', 'labels')) %}
{%- endif %}
{%- set config_version = ml_monitor.config_version(['ml_monitor_cohorts', 'ml_monitor_labels_table',
    'ml_monitor_label_columns']) -%}
{%- set incremental = is_incremental() and not ml_monitor.base_is_stale(config_version)
      and not (labels_table and ml_monitor.has_rows(ref('stg_ml_monitor__label_rows'), 'labeled_at is null')) -%}
{%- set new_rows = [ml_monitor.recent_buckets_filter() if incremental else '1 = 1'] -%}
{%- if incremental and labels_table and execute -%}
  {%- set relabeled = run_query(
        'select distinct i.bucket_start from ' ~ ref('stg_ml_monitor__label_rows') ~ ' as l'
        ~ ' inner join ' ~ ref('ml_monitor_prediction_ids') ~ ' as i on i.prediction_id = l.prediction_id'
        ~ ' where ' ~ ml_monitor.recent_buckets_filter(column='l.labeled_at')
        ~ ' and not (' ~ ml_monitor.recent_buckets_filter(column='i.bucket_start') ~ ')') -%}
  {%- for bucket in relabeled.columns[0].values() -%}
    {%- set start = 'cast(' ~ ml_monitor.string_literal(bucket.strftime('%Y-%m-%d %H:%M:%S')) ~ ' as '
        ~ dbt.type_timestamp() ~ ')' -%}
    {#- a range of predicted_at, so that the warehouse reads only that bucket's blocks -#}
    {%- do new_rows.append('(predicted_at >= ' ~ start ~ ' and predicted_at < ' ~ ml_monitor.shift_buckets(1, start)
        ~ ')') -%}
  {%- endfor -%}
{%- endif %}

with labeled as (

    {{ ml_monitor.labeled_predictions(ml_monitor.cohort_input_columns()
        ~ ' p.model_id, p.bucket_start, p.predicted_class,',
                                      rows=new_rows | join(' or ')) }}

),

pairs as (

    select
        model_id,
        bucket_start,
        predicted_class,
        label,
        {{- ml_monitor.cohort_grouping_columns() }}
        count(*) as n
    from labeled
    group by {{ ml_monitor.cohort_grouping_sets([['model_id', 'bucket_start', 'predicted_class', 'label']]) }}

)

select
    model_id,
    bucket_start,
    {{ ml_monitor.cohort_name_value() }},
    predicted_class,
    label,
    cast(n as {{ dbt.type_bigint() }}) as n,
    {{ ml_monitor.string_literal(config_version) }} as config_version
from pairs
