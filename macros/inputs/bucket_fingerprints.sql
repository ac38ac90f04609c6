{#- This run's fingerprints of the log's recent buckets (ml_monitor_bucket_fingerprints), as
    [model_id, bucket_start ('YYYY-MM-DD hh:mm:ss'), n_rows, n_valid, fingerprint] entries,
    the form a table stores them in (ml_monitor.store_bucket_fingerprints). -#}
{% macro bucket_fingerprints() %}
  {%- set result = run_query('select model_id, bucket_start, n_rows, n_valid, fingerprint from '
        ~ ref('ml_monitor_bucket_fingerprints') ~ ' order by model_id, bucket_start') -%}
  {%- set entries = [] -%}
  {%- for row in result.rows -%}
    {%- do entries.append([row[0], row[1].strftime('%Y-%m-%d %H:%M:%S'), row[2] | int, row[3] | int, row[4]]) -%}
  {%- endfor -%}
  {{- return(entries) -}}
{% endmacro %}
