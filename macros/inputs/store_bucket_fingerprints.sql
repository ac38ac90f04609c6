{#- The post-hook of every table incremental by bucket: this run's fingerprints of the log's
    recent buckets, kept in the table's comment (in the transaction that wrote its rows, so
    they always describe the rows it holds) for its next run's ml_monitor.first_changed_bucket.
    None are this run's when ml_monitor_bucket_fingerprints was left out of the run: then the
    next run recomputes its whole lookback window. Nothing where the warehouse keeps no
    fingerprints. -#}
{% macro store_bucket_fingerprints() %}
  {%- if not execute or ml_monitor.row_hash('r') is none -%}{{ return('') }}{%- endif -%}
  {{- return('comment on table ' ~ this ~ ' is '
        ~ ml_monitor.string_literal('ml_monitor buckets ' ~ tojson(ml_monitor.bucket_fingerprints()))) -}}
{% endmacro %}
