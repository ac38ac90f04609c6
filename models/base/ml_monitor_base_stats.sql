{#- The scan of the serving log: sufficient statistics per model, bucket, cohort,
    predicted class and threshold band, from one aggregate into the finest groups rolled up
    with GROUPING SETS, so every cohort and the whole population come out of the same pass
    (the exact percentiles read five of its columns again: percentile_rows). Every other
    monitor reads this table.
    Incremental by bucket: a run recomputes the last ml_monitor_lookback_buckets buckets
    (late data) and new ones; another configuration (config_version: the column mapping,
    cohorts, monitored columns, model id, grain, percentiles, bands, a new fit of thresholds
    or calibration) recomputes them all. -#}
{{ config(**ml_monitor.incremental_by_bucket(pre_hook=ml_monitor.planner_settings())) }}

{%- set monitored = ml_monitor.monitored_columns() -%}
{%- set string = dbt.type_string() -%}
{%- set double = ml_monitor.type_double() -%}
{%- set band_width = ml_monitor.setting('ml_monitor_band_width') -%}
{%- set config_version = ml_monitor.config_version(
      ['ml_monitor_cohorts', 'ml_monitor_features', 'ml_monitor_text_column', 'ml_monitor_embedding_column',
       'ml_monitor_percentiles', 'ml_monitor_band_width', 'ml_monitor_default_threshold', 'ml_monitor_positive_class'],
      {'fitted thresholds and calibration': ml_monitor.fit_version()}) -%}
{%- set mode = ml_monitor.setting('ml_monitor_percentiles') -%}
{%- if mode not in ['exact', 'approximate'] -%}
{{ exceptions.raise_compiler_error("ml_monitor: var ml_monitor_percentiles must be 'exact' or 'approximate', not '"
    ~ mode ~ "'") }}
{%- endif -%}
{%- set new_rows = ml_monitor.recent_buckets_filter() if is_incremental()
    and not ml_monitor.base_is_stale(config_version) else '1 = 1' -%}
{#- a model, class or cohort value that is itself '__all__' (or a cohort value '__null__')
    would merge with the rows that stand for every one (or for NULL) -#}
{%- set reserved = ml_monitor.reserved_values() -%}
{%- set checks = [
      {'expr': 'model_id', 'column': ml_monitor.column_name('model_id'), 'source': 'the model id',
          'values': [reserved.all]},
      {'expr': 'predicted_class', 'column': ml_monitor.column_name('predicted_class'), 'source': 'the predicted class',
          'values': [reserved.all]},
      {'expr': 'label', 'column': ml_monitor.column_name('label'), 'source': 'the label', 'values': [reserved.all]}] -%}
{%- for name in ml_monitor.cohort_columns() -%}
  {%- do checks.append({'expr': ml_monitor.quote_identifier(name), 'column': name, 'source': 'var ml_monitor_cohorts',
                        'values': [reserved.all, reserved.null]}) -%}
{%- endfor -%}
{%- do ml_monitor.check_reserved_values(ref('stg_ml_monitor__predictions'), checks, source('ml_monitor', 'predictions'),
                                       'exclusion_reason is null and ' ~ new_rows) %}

with new_predictions as (

    {{ ml_monitor.monitored_predictions(new_rows) }}

),

{#- the percentiles' rows, read again with only the columns they need (a subquery, not a
    CTE: its two passes read them again too). Deliberately more scans: engines that
    materialise a CTE used more than once would otherwise keep every row for the next pass
    (DuckDB at 10 M rows: the percentiles' two passes over their own scans cost 11 % less
    CPU and 0.5 GB less memory than over one materialised copy) -#}
{%- set percentile_rows -%}
    (select {{- ml_monitor.cohort_input_columns() }} model_id, bucket_start, predicted_class, confidence
     from ({{ ml_monitor.monitored_predictions(new_rows) }}) as p)
{%- endset %}

fitted_thresholds as (

    select * from {{ ref('ml_monitor_fitted_thresholds') }}

),

calibration as (

    select * from {{ ref('ml_monitor_fitted_calibration') }}

),

scored as (

    select
        p.*,
        {{- ml_monitor.cohort_input_columns() }}
        coalesce(t.threshold, {{ ml_monitor.setting('ml_monitor_default_threshold') }}) as threshold,
        case when t.threshold is null then 'default' else 'fitted' end as threshold_source,
        coalesce(class_calibration.calibrated_probability,
            model_calibration.calibrated_probability) as calibrated_probability
    from new_predictions as p
    left join fitted_thresholds as t
        on {{ ml_monitor.threshold_match('t', 'p') }}
    left join calibration as class_calibration
        on {{ ml_monitor.calibration_match('class_calibration', 'p', 'p.predicted_class') }}
    left join calibration as model_calibration
        on {{ ml_monitor.calibration_match('model_calibration', 'p', "'__all__'") }}
),

banded as (

    select
        *,
        cast(floor((score - threshold) / {{ band_width }}) as integer) as band,
        case when abs(score - threshold) < {{ band_width }} then 1 else 0 end as is_near_threshold
    from scored

),

{#- The statistics' groups: model and bucket; and predicted class; and threshold band (the
    band rows), each for the whole population and per cohort column -#}
{%- set key_sets = [['model_id', 'bucket_start'], ['model_id', 'bucket_start', 'predicted_class'],
                    ['model_id', 'bucket_start', 'predicted_class', 'band']] -%}
{%- set cohort_keys = [] -%}
{%- for name in ml_monitor.cohort_columns() %}{% do cohort_keys.append('cohort_' ~ loop.index) %}{% endfor -%}
{%- set statistic_sets = [] -%}
{%- for keys in key_sets %}{% for cohort in [none] + cohort_keys -%}
  {%- do statistic_sets.append(keys + ([cohort] if cohort else [])) -%}
{%- endfor %}{% endfor -%}

{#- One aggregate over the rows into the finest groups (every key and cohort column); each
    group's statistics are then sums, minima and maxima of theirs, a pass over thousands of
    rows rather than one over the log per group -#}
fine_statistics as (

    select
        model_id, bucket_start, predicted_class, band,
        {%- for cohort in cohort_keys %}
        {{ cohort }},
        {%- endfor %}
        count(*) as n,
        sum(confidence) as sum_confidence,
        avg(confidence) as mean_confidence,
        coalesce(var_samp(confidence) * (count(*) - 1), 0) as m2_confidence,
        min(confidence) as min_confidence,
        max(confidence) as max_confidence,
        max(threshold) as threshold,
        max(threshold_source) as threshold_source,
        sum(is_near_threshold) as n_near_threshold,
        count(calibrated_probability) as n_calibrated,
        sum(calibrated_probability) as sum_calibrated_probability
        {%- for name in monitored %},
        sum(case when {{ ml_monitor.quote_identifier(name) }} is null then 1 else 0 end) as null_count_{{ loop.index }}
        {%- endfor %}
    from banded
    group by model_id, bucket_start, predicted_class, band{% for cohort in cohort_keys %}, {{ cohort }}{% endfor %}

),

{#- the sum of squared deviations from the mean pools exactly (Chan et al.): a group's is
    its fine groups' own plus each one's count times its mean's squared distance from the
    group's mean, which a window gives each fine row, for every group it falls in -#}
deviations as (

    select
        *
        {%- for keys in statistic_sets %}
        {%- set group = 'partition by ' ~ keys | join(', ') %},
        n * (mean_confidence - sum(sum_confidence) over ({{ group }})
                / cast(sum(n) over ({{ group }}) as {{ double }}))
          * (mean_confidence - sum(sum_confidence) over ({{ group }})
                / cast(sum(n) over ({{ group }}) as {{ double }})) as between_m2_{{ loop.index }}
        {%- endfor %}
    from fine_statistics

),

{#- the class rows (band rolled up) and the band rows, in one aggregate -#}
grouped as (

    select
        model_id,
        bucket_start,
        predicted_class,
        band,
        {{- ml_monitor.cohort_grouping_columns() }}
        grouping(predicted_class) as class_rolled_up,
        case when grouping(band) = 0 then 'band' else 'class' end as row_kind,
        sum(n) as n,
        sum(sum_confidence) as sum_confidence,
        sum(sum_confidence) / cast(sum(n) as {{ double }}) as mean_confidence,
        {#- equal values have none, exactly (their means may differ in the last bit) #}
        case when min(min_confidence) = max(max_confidence) then 0 else sum(m2_confidence) + case
            {%- for keys in statistic_sets %}
            when {% for key in ['predicted_class', 'band'] + cohort_keys -%}
                grouping({{ key }}) = {{ 0 if key in keys else 1 }}{{ " and " if not loop.last }}
            {%- endfor %} then sum(between_m2_{{ loop.index }})
            {%- endfor %}
        end end as m2_confidence,
        min(min_confidence) as min_confidence,
        max(max_confidence) as max_confidence,
        max(threshold) as threshold,
        max(threshold_source) as threshold_source,
        cast(sum(n_near_threshold) as {{ dbt.type_bigint() }}) as n_near_threshold,
        cast(sum(n_calibrated) as {{ dbt.type_bigint() }}) as n_calibrated,
        sum(sum_calibrated_probability) as sum_calibrated_probability
        {%- for name in monitored %},
        cast(sum(null_count_{{ loop.index }}) as {{ dbt.type_bigint() }}) as null_count_{{ loop.index }}
        {%- endfor %}
    from deviations
    group by {{ ml_monitor.cohort_grouping_sets(key_sets) }}

),

{#- Null counts are rows of their own, keyed by the column's name (never by its position in
    the configuration): every grouped row once (column_name NULL), and each model and
    bucket's population and cohort rows (all classes) once more per monitored column, as a
    'nulls' row holding that column's null count — a cohort column's own, which its cohorts
    fix, not within them. -#}
null_columns as (

    select cast(null as {{ string }}) as column_name
    {%- for name in monitored %}
    union all
    select {{ ml_monitor.string_literal(name) }}
    {%- endfor %}

),

expanded as (

    select g.*, c.column_name
    from grouped as g
    inner join null_columns as c
        on c.column_name is null
        or (g.row_kind = 'class' and g.class_rolled_up = 1
            {%- for name in ml_monitor.cohort_columns() %}
            and not (g.cohort_{{ loop.index }}_rolled_up = 0 and c.column_name = {{ ml_monitor.string_literal(name) }})
            {%- endfor %})

),

named as (

    select
        *,
        {{ ml_monitor.cohort_name_value() }},
        case when class_rolled_up = 1 then '__all__' else predicted_class end as class_or_all
    from expanded

),

{#- the class rows' percentiles of confidence -#}
percentiles as (

    {{ ml_monitor.cohort_percentiles(percentile_rows, 'confidence', [0.1, 0.5, 0.9], mode) }}

)

select
    g.model_id,
    g.bucket_start,
    g.cohort_name,
    g.cohort_value,
    g.class_or_all as predicted_class,
    case when column_name is null then row_kind else 'nulls' end as row_kind,
    band,
    column_name,
    cast(n as {{ dbt.type_bigint() }}) as n,
    {%- for statistic in ['sum_confidence', 'mean_confidence', 'm2_confidence', 'min_confidence', 'max_confidence'] %}
    case when column_name is null then {{ statistic }} end as {{ statistic }},
    {%- endfor %}
    {%- for percentile in ['p10', 'p50', 'p90'] %}
    p.p_{{ loop.index }} as {{ percentile }}_confidence,
    {%- endfor %}
    case when class_rolled_up = 0 then threshold end as threshold,
    case when class_rolled_up = 0 then threshold_source end as threshold_source,
    {%- for statistic in ['n_near_threshold', 'n_calibrated', 'sum_calibrated_probability'] %}
    case when column_name is null then {{ statistic }} end as {{ statistic }},
    {%- endfor %}
    case
        when 1 = 0 then cast(null as {{ dbt.type_bigint() }})
        {%- for name in monitored %}
        when column_name = {{ ml_monitor.string_literal(name) }} then null_count_{{ loop.index }}
        {%- endfor %}
    end as null_count,
    {{ ml_monitor.config_version_literal(config_version) }} as config_version
from named as g
left join percentiles as p
    on g.row_kind = 'class' and g.column_name is null
    and p.model_id = g.model_id and p.bucket_start = g.bucket_start and p.cohort_name = g.cohort_name
    and p.cohort_value = g.cohort_value and p.predicted_class = g.class_or_all
