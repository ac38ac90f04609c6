{#- Where the table being built recomputes from: the first bucket whose log rows changed (rows
    new, late, corrected in place or deleted) since the table stored their fingerprints,
    among the buckets this run fingerprinted (ml_monitor_bucket_fingerprints: the last
    ml_monitor_lookback_buckets buckets before the log's newest one, and that one), so a
    daily run recomputes the new day rather than the whole lookback window; never later
    than the end of the window the table stored (a table that missed runs catches up), and
    when nothing changed, the end of this run's window (only rows newer than the
    fingerprints). A bucket's rows depend on the buckets before it (a prediction's earliest
    copy), so every bucket after the first changed one is recomputed too. None where
    changes cannot be told: the warehouse keeps no fingerprints, this run does not build them, the table stored none (its
    first incremental run after an upgrade, or dbt wrote its comment: persist_docs), or the
    log has no recent rows. Rows arriving for a bucket before the fingerprinted ones are
    late like rows before the lookback window: counted by a full refresh. -#}
{% macro first_changed_bucket() %}
  {%- set stored = ml_monitor.stored_bucket_fingerprints() -%}
  {%- if stored is none or stored.window_end is none -%}{{ return(none) }}{%- endif -%}
  {%- set current = ml_monitor.bucket_fingerprints() -%}
  {%- if current is none or not current.buckets -%}{{ return(none) }}{%- endif -%}
  {%- set starts = [stored.window_end, current.window_end] -%}
  {%- for entry in current.buckets + stored.buckets if entry[1] >= current.window_start
        and (entry not in stored.buckets or entry not in current.buckets) -%}
    {%- do starts.append(entry[1]) -%}
  {%- endfor -%}
  {{- return(modules.datetime.datetime.strptime(starts | min, '%Y-%m-%d %H:%M:%S')) -}}
{% endmacro %}
