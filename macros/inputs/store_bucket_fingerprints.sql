{#- The post-hook of every table incremental by bucket: this run's fingerprints of the log's
    recent buckets (ml_monitor.bucket_fingerprints), kept in the table's comment, in the
    transaction that wrote its rows, so they always describe the rows it holds; its next
    run recomputes from the first bucket whose fingerprint differs
    (ml_monitor.first_changed_bucket). Nothing where the warehouse keeps no fingerprints. -#}
{% macro store_bucket_fingerprints() %}
  {%- if not execute or ml_monitor.row_hash('r') is none -%}{{ return('') }}{%- endif -%}
  {%- set comment = ml_monitor.bucket_fingerprints_prefix() ~ tojson(ml_monitor.bucket_fingerprints()) -%}
  {%- do ml_monitor.remember_fingerprint(this, 'table', comment) -%}
  {{- return('comment on table ' ~ this ~ ' is ' ~ ml_monitor.string_literal(comment)) -}}
{% endmacro %}
