{#- The serving log counted per model, bucket and exclusion reason (NULL: a valid row), and
    each numeric feature's NaN or ±Infinity values per bucket (column_name: the feature), for
    ml_monitor_data_quality. Rows without predicted_at have no bucket and are counted there.
    Incremental by bucket like the base tables. Rows that arrive for a bucket before the
    window (late) are noticed by one count of the log's rows dated before the window against
    this table's; then every bucket is recounted, so late rows are reported as
    late_outside_lookback, never lost, while a run without them reads only its new buckets. -#}
{{ config(**ml_monitor.incremental_by_bucket()) }}

{%- set staged = ref('stg_ml_monitor__predictions') -%}
{%- set numeric_features = ml_monitor.numeric_feature_columns() -%}
{%- set config_version = ml_monitor.config_version(['ml_monitor_features', 'ml_monitor_min_predicted_at']) -%}
{%- set incremental = is_incremental() and not ml_monitor.base_is_stale(config_version) -%}
{%- if incremental and execute -%}
  {%- set before_window = run_query(
        'select (select count(*) from ' ~ staged ~ ' where predicted_at is not null and not ('
        ~ ml_monitor.recent_buckets_filter() ~ ')) - (select coalesce(sum(n), 0) from ' ~ this
        ~ ' where column_name is null and not (' ~ ml_monitor.recent_buckets_filter(column='bucket_start') ~ '))') -%}
  {%- if before_window.columns[0].values()[0] != 0 -%}
    {%- do log("ml_monitor: rows arrived for buckets before the incremental window: recounting every bucket", info=True) -%}
    {%- set incremental = false -%}
  {%- endif -%}
{%- endif %}

with counted as (

    select
        model_id,
        bucket_start,
        exclusion_reason,
        count(*) as n
        {%- for name in numeric_features %},
        sum(feature_not_finite_{{ loop.index }}) as not_finite_{{ loop.index }}
        {%- endfor %}
    from {{ staged }}
    where predicted_at is not null and {{ ml_monitor.recent_buckets_filter() if incremental else '1 = 1' }}
    group by model_id, bucket_start, exclusion_reason

),

counts as (

    select model_id, bucket_start, exclusion_reason, cast(null as {{ dbt.type_string() }}) as column_name, n
    from counted
    {%- for name in numeric_features %}
    union all
    select model_id, bucket_start, exclusion_reason, {{ ml_monitor.string_literal(name) }}, not_finite_{{ loop.index }}
    from counted
    where not_finite_{{ loop.index }} > 0
    {%- endfor %}

)

select
    model_id,
    bucket_start,
    exclusion_reason,
    column_name,
    cast(n as {{ dbt.type_bigint() }}) as n,
    {{ ml_monitor.string_literal(config_version) }} as config_version
from counts
