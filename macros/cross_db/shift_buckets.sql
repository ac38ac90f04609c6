{#- The bucket start n buckets after (negative: before) a bucket start expression. -#}
{% macro shift_buckets(n, bucket_expr) %}
  {{- return(dbt.dateadd(ml_monitor.time_grain(), n, bucket_expr)) -}}
{% endmacro %}
