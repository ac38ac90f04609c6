{#- Predicted class against ground truth, counted per model, bucket and cohort, for every
    valid prediction whose label has arrived (the log's label column, or the labels table,
    which wins). Rebuilt in full on each run: labels arrive late, so a bucket's counts
    change after the bucket has closed; only labelled rows are read past the filter. A
    label outside the model's classes is kept (the model got it wrong) and counted in
    ml_monitor_data_quality as label_unknown_class. -#}
{%- if var('ml_monitor_labels_table', none) -%}
  {#- a label '__all__' would merge with the rows of every class -#}
  {%- do ml_monitor.check_reserved_values(ref('stg_ml_monitor__labels'),
        [{'expr': 'label', 'column': ml_monitor.column_name('label'), 'source': 'var ml_monitor_labels_table',
          'values': [ml_monitor.reserved_values().all]}], source('ml_monitor', 'labels')) %}
{%- endif %}

with labeled as (

    {{ ml_monitor.labeled_predictions(ml_monitor.cohort_input_columns() ~ ' p.model_id, p.bucket_start, p.predicted_class,') }}

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
    cast(n as {{ dbt.type_bigint() }}) as n
from pairs
