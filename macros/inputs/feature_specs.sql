{#- The monitored features: each configured feature column, numeric or categorical by its
    type in the serving log (it must have the same kind in the reference), plus numeric
    statistics derived from the text column (length, words, upper-case share, share of words
    outside the reference vocabulary), so a change in how users write shows as drift.
    Returns [{name, kind, expr}] where expr reads the staging model's columns. -#}
{% macro feature_specs() %}
  {%- set serving = ml_monitor.relation_columns(source('ml_monitor', 'predictions')) -%}
  {%- set reference = ml_monitor.relation_columns(source('ml_monitor', 'reference')) -%}
  {%- set specs = [] -%}
  {%- for name in ml_monitor.feature_columns() -%}
    {%- set kind = ml_monitor.column_kind(serving, name) -%}
    {%- set reference_kind = ml_monitor.column_kind(reference, name) -%}
    {%- if execute and kind != reference_kind -%}
      {{ exceptions.raise_compiler_error("ml_monitor: feature '" ~ name ~ "' (var ml_monitor_features) is " ~ kind
          ~ " in the serving log but " ~ reference_kind
          ~ " in the reference; cast one of them or drop it from the features") }}
    {%- endif -%}
    {%- do specs.append({'name': name, 'kind': kind, 'expr': ml_monitor.quote_identifier(name)}) -%}
  {%- endfor -%}
  {%- set text = ml_monitor.setting('ml_monitor_text_column') -%}
  {%- if text -%}
    {#- columns of ml_monitor.with_text_statistics on the same rows -#}
    {%- for statistic in ['length_chars', 'word_count', 'uppercase_share', 'oov_share'] -%}
      {%- do specs.append({'name': text ~ '.' ~ statistic, 'kind': 'numeric', 'expr': 'text_' ~ statistic}) -%}
    {%- endfor -%}
  {%- endif -%}
  {{- return(specs) -}}
{% endmacro %}

{#- The configured feature columns that are numeric, in configuration order: staging reads
    their non-finite values (NaN, ±Infinity) as missing and flags them. -#}
{% macro numeric_feature_columns() %}
  {%- set names = [] -%}
  {%- for spec in ml_monitor.feature_specs() if spec.kind == 'numeric' and spec.name in ml_monitor.feature_columns() -%}
    {%- do names.append(spec.name) -%}
  {%- endfor -%}
  {{- return(names) -}}
{% endmacro %}
