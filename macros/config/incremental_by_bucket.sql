{#- The config of every table that is incremental by bucket (base tables, feature drift):
    recomputed buckets replace their rows per model and bucket; on Spark, partitions by
    bucket overwritten in place. Use as {{ config(**ml_monitor.incremental_by_bucket()) }}. -#}
{% macro incremental_by_bucket() %}
  {{- return({
        'materialized': 'incremental',
        'incremental_strategy': ml_monitor.incremental_strategy(),
        'unique_key': ['model_id', 'bucket_start'],
        'partition_by': ['bucket_start'] if target.type == 'spark' else none,
        'file_format': 'parquet' if target.type == 'spark' else none,
        'on_schema_change': 'fail',
  }) -}}
{% endmacro %}
