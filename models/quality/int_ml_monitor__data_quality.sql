{#- Bad input, counted per model, bucket, reason and column, so that nothing is left out
    silently. Three kinds of reason:
    - rows of the serving log that no monitor counts (column_name NULL):
        predicted_at_null, predicted_at_too_old (before ml_monitor_min_predicted_at),
        predicted_at_future, predicted_class_null, confidence_null,
        confidence_out_of_range (NaN, < 0 or > 1), prediction_id_null,
        duplicate_prediction_id        another copy in the bucket of the kept (earliest) copy
        duplicate_across_buckets       a copy in a later bucket than the kept one
        late_outside_lookback          valid rows that arrived after their bucket left the
                                       incremental lookback window (run --full-refresh)
    - values read as missing, their row counted: feature_not_finite (NaN or ±Infinity in the
      numeric feature column_name), of valid rows;
    - labels: label_unknown_class, labelled predictions whose label is no class of the
      model's training split (kept in ml_monitor_performance: the model got them wrong), in
      the prediction's bucket; and rows of the labels table that are not used — label_null,
      label_conflict, label_unknown_prediction (see stg_ml_monitor__label_rows) — in the
      bucket of their labeled_at (NULL when undated) under model_id '__all__': the labels
      table names no model, and its problems arrive with the labels.
    The serving log's exclusion reasons and feature_not_finite are counted per cohort as
    well ('__all__': the population), so bad input from one segment shows; duplicates, late
    rows and the labels' reasons are the population's only.
    excluded_share = n_rows / n_bucket_rows, over every row of the bucket (and cohort) in the log; for
    label_unknown_class over the bucket's labelled predictions, for the labels table's
    reasons over its rows labelled in the bucket. The decision (excluded share past
    ml_monitor_exclusion_tolerance, with evidence) is made in ml_monitor_alert_tests;
    ml_monitor_data_quality shows it. -#}
{%- set double = ml_monitor.type_double() -%}
{%- set string = dbt.type_string() -%}
{%- set staged = ref('stg_ml_monitor__predictions') -%}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}

with log_counts as (

    select model_id, bucket_start, cohort_name, cohort_value, exclusion_reason, column_name, n
    from {{ ref('ml_monitor_log_counts') }}
    union all
    -- rows without predicted_at have no bucket: counted on every run
    select model_id, cast(null as {{ dbt.type_timestamp() }}), {{ ml_monitor.cohort_name_value() }},
           exclusion_reason, cast(null as {{ string }}), n
    from (
        select
            model_id,
            exclusion_reason,
            {{- ml_monitor.cohort_grouping_columns() }}
            count(*) as n
        from (
            select
                {{- ml_monitor.cohort_input_columns() }}
                *
            from {{ staged }}
            where predicted_at is null
        ) as undated_inputs
        group by {{ ml_monitor.cohort_grouping_sets([['model_id', 'exclusion_reason']]) }}
    ) as undated

),

-- the log's rows per model, bucket, cohort and exclusion reason (NULL: valid)
cohort_log_rows as (

    select model_id, bucket_start, cohort_name, cohort_value, exclusion_reason, n
    from log_counts
    where column_name is null

),

log_rows as (

    select * from cohort_log_rows where cohort_name = {{ all }}

),

bucket_totals as (

    select model_id, bucket_start, cohort_name, cohort_value, sum(n) as n_rows
    from cohort_log_rows
    group by 1, 2, 3, 4

),

duplicates as (

    select
        model_id,
        bucket_start,
        case when bucket_start = first_bucket
            then 'duplicate_prediction_id' else 'duplicate_across_buckets' end as reason,
        sum(n_excluded) as n
    from {{ ref('ml_monitor_duplicate_predictions') }}
    where n_excluded > 0
    group by 1, 2, 3

),

counted as (

    select model_id, bucket_start, n
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class' and predicted_class = '__all__' and cohort_name = '__all__'

),

late_rows as (

    -- valid rows neither counted nor left out as a duplicate
    select l.model_id, l.bucket_start, 'late_outside_lookback' as reason, l.n - coalesce(d.n, 0) - coalesce(c.n, 0) as n
    from log_rows as l
    left join (
        select model_id, bucket_start, sum(n) as n from duplicates group by 1, 2
    ) as d on d.model_id = l.model_id and d.bucket_start = l.bucket_start
    left join counted as c on c.model_id = l.model_id and c.bucket_start = l.bucket_start
    where l.exclusion_reason is null and l.n - coalesce(d.n, 0) - coalesce(c.n, 0) > 0

),

not_finite_values as (

    select model_id, bucket_start, cohort_name, cohort_value, column_name, n
    from log_counts
    where column_name is not null and exclusion_reason is null

),

log_problems as (

    select model_id, bucket_start, cohort_name, cohort_value, exclusion_reason as reason,
           cast(null as {{ string }}) as column_name, n
    from cohort_log_rows where exclusion_reason is not null
    union all
    select model_id, bucket_start, {{ all }}, {{ all }}, reason, null, n from duplicates
    union all
    select model_id, bucket_start, {{ all }}, {{ all }}, reason, null, n from late_rows
    union all
    select model_id, bucket_start, cohort_name, cohort_value, 'feature_not_finite', column_name, n
    from not_finite_values where n > 0

),

model_classes as (

    select distinct model_id, label as class_name
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_reference_split')) }}
        and label is not null

),

labeled_predictions as (

    select
        c.model_id,
        c.bucket_start,
        sum(c.n) as n_labeled,
        sum(case when k.class_name is null then c.n else 0 end) as n_unknown_class
    from {{ ref('ml_monitor_confusion_counts') }} as c
    left join model_classes as k
        on k.model_id = c.model_id and k.class_name = c.label
    where c.cohort_name = '__all__'
    group by 1, 2

),

{#- the labels table's rows that are not used; an id the log does not hold is unknown -#}
label_rows as (

    select *, {{ ml_monitor.bucket_start('labeled_at') }} as bucket_start
    from {{ ref('stg_ml_monitor__label_rows') }}

),

label_row_problems as (

    {%- if ml_monitor.setting('ml_monitor_labels_table') %}
    select
        l.bucket_start,
        case
            when l.exclusion_reason in ('label_null', 'label_unknown_prediction') then l.exclusion_reason
            when logged.prediction_id is null then 'label_unknown_prediction'
            else l.exclusion_reason
        end as reason
    from label_rows as l
    left join (
        select distinct prediction_id
        from {{ staged }}
        where prediction_id in (select prediction_id from label_rows)
    ) as logged
        on logged.prediction_id = l.prediction_id
    {%- else %}
    select bucket_start, exclusion_reason as reason from label_rows
    {%- endif %}

),

label_row_totals as (

    select bucket_start, count(*) as n_rows
    from label_rows
    group by 1

),

problems as (

    select p.model_id, p.bucket_start, p.cohort_name, p.cohort_value, p.reason, p.column_name, p.n, t.n_rows as n_total
    from log_problems as p
    inner join bucket_totals as t
        on t.model_id = p.model_id and t.cohort_name = p.cohort_name and t.cohort_value = p.cohort_value
        and (t.bucket_start = p.bucket_start or (t.bucket_start is null and p.bucket_start is null))
    union all
    select model_id, bucket_start, {{ all }}, {{ all }}, 'label_unknown_class', null, n_unknown_class, n_labeled
    from labeled_predictions
    where n_unknown_class > 0
    union all
    select
        {{ all }}, p.bucket_start, {{ all }}, {{ all }}, p.reason, null,
        count(*), max(t.n_rows)
    from label_row_problems as p
    inner join label_row_totals as t
        on t.bucket_start = p.bucket_start or (t.bucket_start is null and p.bucket_start is null)
    where p.reason is not null
    group by p.bucket_start, p.reason

)

select
    model_id,
    bucket_start,
    cohort_name,
    cohort_value,
    reason,
    column_name,
    cast(n as {{ dbt.type_bigint() }}) as n_rows,
    cast(n_total as {{ dbt.type_bigint() }}) as n_bucket_rows,
    cast(n as {{ double }}) / n_total as excluded_share
from problems
