{#- The config of every table that is incremental by bucket (base tables, feature drift):
    recomputed buckets replace their rows per model and bucket; on Spark, partitions by
    bucket overwritten in place. Each stores the run's fingerprints of the log's recent
    buckets with its rows (a post-hook), to recompute only the buckets that changed next run
    (ml_monitor.first_changed_bucket); the ref makes it run after them. Use as
    {{ config(**ml_monitor.incremental_by_bucket()) }}; pre_hook: the model's own pre-hooks. -#}
{% macro incremental_by_bucket(pre_hook=[]) %}
  {%- do ref('ml_monitor_bucket_fingerprints') -%}
  {{- return({
        'materialized': 'ml_monitor_incremental',
        'incremental_strategy': ml_monitor.incremental_strategy(),
        'unique_key': ['model_id', 'bucket_start'],
        'partition_by': ['bucket_start'] if target.type == 'spark' else none,
        'file_format': 'parquet' if target.type == 'spark' else none,
        'on_schema_change': 'fail',
        'pre_hook': pre_hook + ml_monitor.bucket_overwrite_settings(),
        'post_hook': '{{ ml_monitor.store_bucket_fingerprints() }}',
  }) -}}
{% endmacro %}
