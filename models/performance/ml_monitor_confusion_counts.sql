{#- Predicted class against ground truth, counted per model, bucket and cohort, for every
    valid prediction whose label has arrived (the log's label column, or the labels table,
    which wins). A label outside the model's classes is kept (the model got it wrong) and
    counted in ml_monitor_data_quality as label_unknown_class.
    Incremental by label arrival (ml_monitor.label_arrival_filter): a run recomputes the
    buckets the base tables recompute and those of the predictions whose labels arrived
    since, so a label that changes moves its count. -#}
{{ config(**ml_monitor.incremental_by_bucket()) }}

{%- set labels_table = ml_monitor.setting('ml_monitor_labels_table') -%}
{%- if labels_table -%}
  {#- a label '__all__' would merge with the rows of every class -#}
  {%- do ml_monitor.check_reserved_values(ref('stg_ml_monitor__labels'),
        [{'expr': 'label', 'column': ml_monitor.column_name('label'), 'source': 'var ml_monitor_labels_table',
          'values': [ml_monitor.reserved_values().all]}], source('ml_monitor', 'labels')) %}
{%- endif %}
{%- set config_version = ml_monitor.config_version(['ml_monitor_cohorts', 'ml_monitor_labels_table',
    'ml_monitor_label_columns']) -%}
{%- set new_rows = ml_monitor.label_arrival_filter(
      is_incremental() and not ml_monitor.base_is_stale(config_version)) %}

with labeled as (

    {{ ml_monitor.labeled_predictions(ml_monitor.cohort_input_columns()
        ~ ' p.model_id, p.bucket_start, p.predicted_class,',
                                      rows=new_rows) }}

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
    {{ ml_monitor.config_version_literal(config_version) }} as config_version
from pairs
