{#- True when the incremental base table holds buckets computed with another fit of the
    thresholds or calibration: then every bucket is recomputed, not only the recent ones. -#}
{% macro base_is_stale(current_fit_version) %}
  {%- if not execute -%}{{ return(false) }}{%- endif -%}
  {%- set result = run_query("select count(*) from " ~ this ~ " where fit_version <> " ~ ml_monitor.string_literal(current_fit_version)) -%}
  {{- return(result.columns[0].values()[0] > 0) -}}
{% endmacro %}
