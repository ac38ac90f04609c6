{#- What begins a table comment that holds bucket fingerprints: written by
    ml_monitor.store_bucket_fingerprints, read by ml_monitor.stored_bucket_fingerprints. -#}
{% macro bucket_fingerprints_prefix() %}
  {{- return('ml_monitor buckets ') -}}
{% endmacro %}
