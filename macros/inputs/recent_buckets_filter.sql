{#- A filter on the log's rows to the buckets from `buckets` before the latest one in
    `relation` on: its latest bucket per model, the model furthest behind deciding. In an
    incremental run it keeps the last ml_monitor_lookback_buckets buckets already in the
    table and anything newer, so late rows land in a recomputed bucket. For the table being
    built (`relation` is this) the start is rather the first bucket whose log rows changed
    since the table stored their fingerprints (ml_monitor.first_changed_bucket), where that
    can be told, unless `changed_only` is false. The start is read when the model runs and
    compared with `column` (predicted_at of the log, or a bucket_start) as a literal — the
    same rows, since it is a bucket boundary — so the engine can skip the log's older
    blocks. `period` ('week') moves the start back to the start of its period, for a table
    that rolls buckets up to it. -#}
{% macro recent_buckets_filter(relation=this, buckets=ml_monitor.setting('ml_monitor_lookback_buckets'),
    column='predicted_at', period=none, changed_only=true) %}
  {%- if not execute -%}{{ return('1 = 1') }}{%- endif -%}
  {%- set start = ml_monitor.first_changed_bucket() if changed_only and relation == this else none -%}
  {%- set start = start or ml_monitor.window_start(relation, buckets) -%}
  {%- if start is none -%}{{ return('1 = 1') }}{%- endif -%}
  {%- if period -%}
    {%- set start = run_query('select ' ~ ml_monitor.bucket_start(ml_monitor.timestamp_literal(start), period))
          .columns[0].values()[0] -%}
  {%- endif -%}
  {{- return(column ~ ' >= ' ~ ml_monitor.timestamp_literal(start)) -}}
{% endmacro %}

{#- The bucket `buckets` before the latest one of `relation` (a relation or a subquery with
    model_id and bucket_start), the model furthest behind deciding; none when it has no rows. -#}
{% macro window_start(relation, buckets=ml_monitor.setting('ml_monitor_lookback_buckets')) %}
  {%- set result = run_query(
        'select ' ~ ml_monitor.shift_buckets(-buckets, 'min(last_bucket)')
        ~ ' from (select model_id, max(bucket_start) as last_bucket from ' ~ relation
            ~ ' as r group by model_id) as latest') -%}
  {{- return(result.columns[0].values()[0]) -}}
{% endmacro %}
