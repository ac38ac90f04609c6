{#- The log rows a table incremental by label arrival recomputes, as a filter on
    predicted_at ('1 = 1': every bucket, as in a full build or when not `incremental`):
    the buckets whose log rows changed, as the base tables recompute them
    (ml_monitor.recent_buckets_filter), and the buckets of the predictions whose labels
    arrived since, i.e. rows of the labels table with labeled_at in the table's whole
    lookback window (found through the id index, ml_monitor_prediction_ids), so a label
    that changes moves its row. A label dated before the window is late like a late log
    row: counted at the next full refresh. When some label has no labeled_at, arrival cannot be told and every
    bucket is recomputed. `period` ('week') recomputes whole periods instead of buckets,
    for a table whose rows roll buckets up to it. -#}
{% macro label_arrival_filter(incremental, period=none) %}
  {#- the refs while parsing too, so that the calling model depends on both tables -#}
  {%- set label_rows, ids = ref('stg_ml_monitor__label_rows'), ref('ml_monitor_prediction_ids') -%}
  {%- set labels_table = ml_monitor.setting('ml_monitor_labels_table') -%}
  {%- if not incremental or labels_table and ml_monitor.has_rows(label_rows, 'labeled_at is null') -%}
    {{- return('1 = 1') -}}
  {%- endif -%}
  {%- set period = period or ml_monitor.time_grain() -%}
  {%- set new_rows = [ml_monitor.recent_buckets_filter(period=period)] -%}
  {%- if labels_table -%}
    {%- set relabeled = run_query(
          'select distinct ' ~ ml_monitor.bucket_start('i.bucket_start', period) ~ ' from ' ~ label_rows ~ ' as l'
          ~ ' inner join ' ~ ids ~ ' as i on i.prediction_id = l.prediction_id'
          ~ ' where ' ~ ml_monitor.recent_buckets_filter(column='l.labeled_at', changed_only=false)
          ~ ' and not (' ~ ml_monitor.recent_buckets_filter(column='i.bucket_start', period=period) ~ ')') -%}
    {%- for start in relabeled.columns[0].values() -%}
      {%- set start = ml_monitor.timestamp_literal(start) -%}
      {#- a range of predicted_at, so that the warehouse reads only that period's blocks -#}
      {%- do new_rows.append('(predicted_at >= ' ~ start ~ ' and predicted_at < ' ~ dbt.dateadd(period, 1, start)
          ~ ')') -%}
    {%- endfor -%}
  {%- endif -%}
  {{- return(new_rows | join(' or ')) -}}
{% endmacro %}
