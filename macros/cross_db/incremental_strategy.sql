{#- How incremental base tables replace recomputed buckets: the package's replace_buckets
    (delete by bucket, then insert); Spark without Delta overwrites whole bucket partitions. -#}
{% macro incremental_strategy() %}
  {{- return(adapter.dispatch('incremental_strategy', 'ml_monitor')()) -}}
{% endmacro %}

{% macro default__incremental_strategy() -%}
  {{- return('replace_buckets') -}}
{%- endmacro %}

{% macro spark__incremental_strategy() -%}
  {{- return('insert_overwrite') -}}
{%- endmacro %}
