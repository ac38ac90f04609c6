{#- Start of the bucket holding "now" (run_now): still filling, so never judged; the buckets
    before it are complete. -#}
{% macro current_bucket() %}
  {{- return(ml_monitor.bucket_start(ml_monitor.run_now())) -}}
{% endmacro %}
