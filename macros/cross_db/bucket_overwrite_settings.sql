{#- Session settings for a table incremental by bucket, as pre-hooks. Spark overwrites only
    the partitions of the recomputed buckets with partitionOverwriteMode dynamic; dbt-spark
    sets it under a lowercased key, which Spark takes for another setting, and its static
    overwrite then empties every other partition. -#}
{% macro bucket_overwrite_settings() %}
  {{- return(adapter.dispatch('bucket_overwrite_settings', 'ml_monitor')()) -}}
{% endmacro %}

{% macro default__bucket_overwrite_settings() %}
  {{- return([]) -}}
{% endmacro %}

{% macro spark__bucket_overwrite_settings() %}
  {{- return(["set spark.sql.sources.partitionOverwriteMode = dynamic"]) -}}
{% endmacro %}
