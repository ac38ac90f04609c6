{#- Counts of every value of every monitored feature per model and bucket, in one pass over
    the new buckets of the log (GROUPING SETS, one set per feature). Exact values, so the KS
    statistic downstream is exact. Incremental by bucket like ml_monitor_base_stats; another
    configuration (config_version) recomputes every bucket. -#}
{{ config(**ml_monitor.incremental_by_bucket()) }}
{#- the share of a text's words outside the reference vocabulary depends on the reference -#}
{%- set config_version = ml_monitor.config_version(['ml_monitor_features', 'ml_monitor_text_column'],
      {'reference': ml_monitor.reference_version()} if ml_monitor.setting('ml_monitor_text_column') else {}) -%}
{%- set new_rows = ml_monitor.recent_buckets_filter() if is_incremental()
    and not ml_monitor.base_is_stale(config_version) else '1 = 1' -%}
{%- do ml_monitor.check_reserved_values(ref('stg_ml_monitor__predictions'), ml_monitor.categorical_feature_checks(),
                                       source('ml_monitor', 'predictions'), 'exclusion_reason is null and '
                                           ~ new_rows) %}

with new_predictions as (

    {{ ml_monitor.monitored_predictions(new_rows) }}

),

feature_rows as (

    {{ ml_monitor.with_text_statistics('new_predictions') }}

)

select *, {{ ml_monitor.config_version_literal(config_version) }} as config_version
from (
    {{ ml_monitor.feature_value_counts('feature_rows', ['model_id', 'bucket_start'], ml_monitor.feature_specs()) }}
) as counts
