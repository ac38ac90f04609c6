{#- A filter on the log's rows to the buckets from `buckets` before the latest one in
    `relation` on: its latest bucket per model, the model furthest behind deciding. In an
    incremental run it keeps the last ml_monitor_lookback_buckets buckets already in the
    table and anything newer, so late rows land in a recomputed bucket. The start is read
    when the model runs and compared with `column` (predicted_at of the log, or a
    bucket_start) as a literal — the same rows, since it is a bucket boundary — so the
    engine can skip the log's older blocks. `period` ('week') moves the start back to the
    start of its period, for a table that rolls buckets up to it. -#}
{% macro recent_buckets_filter(relation=this, buckets=ml_monitor.setting('ml_monitor_lookback_buckets'),
    column='predicted_at', period=none) %}
  {%- if not execute -%}{{ return('1 = 1') }}{%- endif -%}
  {%- set start = ml_monitor.shift_buckets(-buckets, 'min(last_bucket)') -%}
  {%- if period -%}
    {%- set start = ml_monitor.bucket_start(start, period) -%}
  {%- endif -%}
  {%- set result = run_query(
        'select ' ~ start
        ~ ' from (select model_id, max(bucket_start) as last_bucket from ' ~ relation
            ~ ' group by model_id) as latest') -%}
  {%- set start = result.columns[0].values()[0] -%}
  {%- if start is none -%}{{ return('1 = 1') }}{%- endif -%}
  {{- return(column ~ ' >= ' ~ ml_monitor.timestamp_literal(start)) -}}
{% endmacro %}
