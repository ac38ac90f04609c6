{#- Identifies the holdout split's rows (their counts, right predictions, ranges and the sum
    of the confidences in units of 1e-9: integers, so order-independent and exact), a part of
    the config_version of a table that keeps holdout rows across incremental runs: a new
    holdout recomputes it in full. -#}
{% macro holdout_version() %}
  {#- the ref while parsing too, so that a model calling this depends on the table -#}
  {%- set reference = ref('stg_ml_monitor__reference') -%}
  {%- if not execute -%}{{ return('none') }}{%- endif -%}
  {%- set result = run_query(
        "select count(*), count(distinct model_id), count(distinct predicted_class), count(label), "
        ~ "sum(case when label = predicted_class then 1 else 0 end), min(confidence), max(confidence), "
        ~ "sum(cast(round(confidence * 1000000000) as " ~ dbt.type_bigint() ~ ")) from " ~ reference
        ~ " where split = " ~ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_holdout_split'))) -%}
  {{- return(result.rows[0] | join(',')) -}}
{% endmacro %}
