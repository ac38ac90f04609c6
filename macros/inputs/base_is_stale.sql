{#- True when the incremental table holds buckets computed from other inputs than the
    current ones (another fit of the thresholds or calibration, another reference), or
    predates the version column: then every bucket is recomputed, not only the recent ones. -#}
{% macro base_is_stale(current_version, column='fit_version') %}
  {%- if not execute -%}{{ return(false) }}{%- endif -%}
  {%- set names = ml_monitor.relation_columns(this) | map(attribute='name') | map('lower') | list -%}
  {%- if column not in names -%}{{ return(true) }}{%- endif -%}
  {%- set result = run_query("select count(*) from " ~ this ~ " where " ~ column ~ " <> " ~ ml_monitor.string_literal(current_version)) -%}
  {{- return(result.columns[0].values()[0] > 0) -}}
{% endmacro %}
