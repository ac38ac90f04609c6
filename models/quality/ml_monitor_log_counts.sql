{#- The serving log counted per model, bucket, cohort ('__all__': the population) and
    exclusion reason (NULL: a valid row), and each numeric feature's NaN or ±Infinity values
    (column_name: the feature), for ml_monitor_data_quality. Rows without predicted_at have no bucket
        and are counted there.
    Incremental by bucket like the base tables. Rows that arrive for a bucket before the
    window (late) are noticed by one count of the log's rows dated before the window against
    this table's; then every bucket is recounted, so late rows are reported as
    late_outside_lookback, never lost, while a run without them reads only its new buckets. -#}
{{ config(**ml_monitor.incremental_by_bucket()) }}

{%- set staged = ref('stg_ml_monitor__predictions') -%}
{%- set numeric_features = ml_monitor.numeric_feature_columns() -%}
{%- set config_version = ml_monitor.config_version(['ml_monitor_features', 'ml_monitor_cohorts',
    'ml_monitor_min_predicted_at']) -%}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
{%- set incremental = is_incremental() and not ml_monitor.base_is_stale(config_version) -%}
{%- if incremental and execute -%}
  {%- set before_window = run_query(
        'select (select count(*) from ' ~ staged ~ ' where predicted_at is not null and not ('
        ~ ml_monitor.recent_buckets_filter() ~ ')) - (select coalesce(sum(n), 0) from ' ~ this
        ~ ' where column_name is null and cohort_name = ' ~ all ~ ' and not ('
        ~ ml_monitor.recent_buckets_filter(column='bucket_start') ~ '))') -%}
  {%- if before_window.columns[0].values()[0] != 0 -%}
    {%- do log("ml_monitor: rows arrived for buckets before the incremental window: recounting every bucket",
        info=True) -%}
    {%- set incremental = false -%}
  {%- endif -%}
{%- endif %}

with grouped as (

    select
        model_id,
        bucket_start,
        exclusion_reason,
        {{- ml_monitor.cohort_grouping_columns() }}
        count(*) as n
        {%- for name in numeric_features %},
        sum(feature_not_finite_{{ loop.index }}) as not_finite_{{ loop.index }}
        {%- endfor %}
    from (
        select
            {{- ml_monitor.cohort_input_columns() }}
            *
        from {{ staged }}
        where predicted_at is not null and {{ ml_monitor.recent_buckets_filter() if incremental else '1 = 1' }}
    ) as log_inputs
    group by {{ ml_monitor.cohort_grouping_sets([['model_id', 'bucket_start', 'exclusion_reason']]) }}

),

counted as (

    select
        model_id, bucket_start, {{ ml_monitor.cohort_name_value() }}, exclusion_reason, n
        {%- for name in numeric_features %},
        not_finite_{{ loop.index }}
        {%- endfor %}
    from grouped

),

counts as (

    select model_id, bucket_start, cohort_name, cohort_value, exclusion_reason,
           cast(null as {{ dbt.type_string() }}) as column_name, n
    from counted
    {%- for name in numeric_features %}
    union all
    select model_id, bucket_start, cohort_name, cohort_value, exclusion_reason, {{ ml_monitor.string_literal(name) }},
           not_finite_{{ loop.index }}
    from counted
    where not_finite_{{ loop.index }} > 0
    {%- endfor %}

)

select
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    exclusion_reason,
    column_name,
    cast(n as {{ dbt.type_bigint() }}) as n,
    {{ ml_monitor.config_version_literal(config_version) }} as config_version
from counts
