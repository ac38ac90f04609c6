{#- How incremental base tables replace recomputed buckets. delete+insert by bucket where the
    adapter supports it; Spark without Delta overwrites whole bucket partitions. -#}
{% macro incremental_strategy() %}
  {{- return(adapter.dispatch('incremental_strategy', 'ml_monitor')()) -}}
{% endmacro %}

{% macro default__incremental_strategy() -%}
  {{- return('delete+insert') -}}
{%- endmacro %}

{% macro spark__incremental_strategy() -%}
  {{- return('insert_overwrite') -}}
{%- endmacro %}
