{#- Where the table being built recomputes from, given the start of its lookback window: the
    first bucket whose log rows changed (rows new, late, corrected in place or deleted) since
    the table stored their fingerprints (ml_monitor_bucket_fingerprints: the last
    ml_monitor_lookback_buckets buckets before the log's newest one, and that one), so a
    daily run recomputes the new day rather than the whole window; when none changed, the
    bucket after the last one fingerprinted (only rows newer than the fingerprints). A
    bucket's rows depend on the buckets before it (a prediction's earliest copy), so every
    bucket after the first changed one is recomputed too. `start` itself where changes
    cannot be told: the warehouse keeps no fingerprints, or the table stored none (its first
    incremental run after an upgrade). Rows arriving for a bucket older than the
    fingerprints are late like rows before the lookback window: counted by a full refresh. -#}
{% macro first_changed_bucket(start) %}
  {%- set stored = ml_monitor.stored_bucket_fingerprints() -%}
  {%- set current = ml_monitor.bucket_fingerprints() -%}
  {%- if stored is none or not current -%}{{ return(start) }}{%- endif -%}
  {%- set format = '%Y-%m-%d %H:%M:%S' -%}
  {%- set first = ml_monitor.window_start('(select model_id, bucket_start from '
        ~ ref('ml_monitor_bucket_fingerprints') ~ ' where n_valid > 0)') -%}
  {%- set since = [start, first] | max -%}
  {%- set since = since.strftime(format) -%}
  {%- set changed = [] -%}
  {%- for entry in current + stored if entry[1] >= since and (entry not in stored or entry not in current) -%}
    {%- do changed.append(entry[1]) -%}
  {%- endfor -%}
  {%- if changed -%}
    {{- return(modules.datetime.datetime.strptime(changed | min, format)) -}}
  {%- endif -%}
  {%- set last = modules.datetime.datetime.strptime(current | map(attribute=1) | max, format) -%}
  {{- return(run_query('select ' ~ ml_monitor.shift_buckets(1, ml_monitor.timestamp_literal(last)))
        .columns[0].values()[0]) -}}
{% endmacro %}
