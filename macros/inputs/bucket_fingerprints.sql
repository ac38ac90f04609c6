{#- This run's fingerprints of the log's recent buckets (ml_monitor_bucket_fingerprints), in
    the form a table stores them (ml_monitor.store_bucket_fingerprints): `buckets`, entries
    [model_id, bucket_start, n_rows, n_valid, fingerprint], and the window they cover, from
    `window_start` to before `window_end`, timestamps as 'YYYY-MM-DD hh:mm:ss' (none when
    the log has no recent rows). None unless this run builds them: a run that selects only
    some models would read them as an earlier run left them, which may not describe the log
    now (its tables then recompute their whole lookback window and store none). -#}
{% macro bucket_fingerprints() %}
  {%- set built = [] -%}
  {%- for id in selected_resources if id.startswith('model.') and id.endswith('.ml_monitor_bucket_fingerprints') -%}
    {%- do built.append(id) -%}
  {%- endfor -%}
  {%- if not built -%}{{ return(none) }}{%- endif -%}
  {%- set format = '%Y-%m-%d %H:%M:%S' -%}
  {%- set result = run_query('select model_id, bucket_start, n_rows, n_valid, fingerprint, window_start, window_end from '
        ~ ref('ml_monitor_bucket_fingerprints') ~ ' order by model_id, bucket_start') -%}
  {%- set entries = [] -%}
  {%- for row in result.rows -%}
    {%- do entries.append([row[0], row[1].strftime(format), row[2] | int, row[3] | int, row[4]]) -%}
  {%- endfor -%}
  {%- set first = result.rows[0] if result.rows else none -%}
  {{- return({'buckets': entries, 'window_start': first[5].strftime(format) if first else none,
              'window_end': first[6].strftime(format) if first else none}) -}}
{% endmacro %}
