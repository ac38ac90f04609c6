{#- The fingerprints of the log's buckets the table being built stored when it last ran
    (ml_monitor.store_bucket_fingerprints), as ml_monitor.bucket_fingerprints gives them;
    none where it stored none or the warehouse keeps none. -#}
{% macro stored_bucket_fingerprints() %}
  {%- set stored = ml_monitor.stored_fingerprints([this]) -%}
  {%- set prefix = ml_monitor.bucket_fingerprints_prefix() -%}
  {%- if stored is none or not (stored[0] or '').startswith(prefix) -%}{{ return(none) }}{%- endif -%}
  {{- return(fromjson(stored[0][prefix | length:])) -}}
{% endmacro %}
