{#- Reliability-diagram points of the top-class confidence: per model, scope ('bucket' and
    its 'week' roll-up of labelled serving rows, 'holdout' for the holdout split's labelled
    predictions, bucket_start NULL), predicted class (plus '__all__') and bin. Bins hold
    equal numbers of rows (var ml_monitor_calibration_bins; the first n mod bins one row
    more), by confidence and then prediction_id, so tied confidences split the same way on
    every warehouse. Besides each bin's mean confidence and accuracy it carries the sums
    that ml_monitor_calibration_drift adds up: squared errors (Brier) and their squares,
    and log-loss terms with the confidence clipped to [1e-15, 1 − 1e-15].
    Incremental by label arrival (ml_monitor.label_arrival_filter), in whole weeks: a week
    row depends on every bucket of its week, so a run recomputes the weeks holding a bucket
    with new rows or labels, and all their buckets (which keeps the rows of one
    bucket_start, a Monday's bucket and its week, replaced together). The holdout rows
    change only with the holdout (config_version): written by full builds, kept by
    incremental runs. -#}
{{ config(**ml_monitor.incremental_by_bucket()) }}
{%- set double = ml_monitor.type_double() -%}
{%- set timestamp = dbt.type_timestamp() -%}
{%- set eps = 1e-15 -%}
{%- set bigint = dbt.type_bigint() -%}
{%- set bins = ml_monitor.setting('ml_monitor_calibration_bins') -%}
{#- pass 1's intervals: the counts stay at most 1024 per group and bucket -#}
{%- set fine_bins = 1024 -%}
{%- set config_version = ml_monitor.config_version(['ml_monitor_labels_table', 'ml_monitor_label_columns',
    'ml_monitor_holdout_split', 'ml_monitor_calibration_bins'], {'holdout': ml_monitor.holdout_version()}) -%}
{%- set incremental = is_incremental() and not ml_monitor.base_is_stale(config_version) -%}

with serving as (

    {{ ml_monitor.labeled_predictions(
        'p.model_id, p.bucket_start, p.prediction_id, p.predicted_class, p.confidence,',
        rows=ml_monitor.label_arrival_filter(incremental, period='week')) }}

),

holdout as (

    select model_id, prediction_id, predicted_class, confidence, label
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_holdout_split')) }}
      and predicted_class is not null and confidence is not null and label is not null
      {%- if incremental %}
      {#- kept from the last full build: their NULL bucket_start matches no key a run replaces #}
      and 1 = 0
      {%- endif %}

),

{#- each labelled row once, in its bucket (a week's rows are its buckets') or the holdout,
    with its terms of the sums and its interval of confidence (fine_bin, below) -#}
scored as (

    select
        model_id, scope, bucket_start, predicted_class, prediction_id, confidence, correct,
        cast(floor(confidence * {{ fine_bins }}) as {{ bigint }}) as fine_bin,
        (confidence - correct) * (confidence - correct) as squared_error,
        (confidence - correct) * (confidence - correct) * (confidence - correct) * (confidence - correct)
            as squared_error_squared,
        -(correct * ln(clipped) + (1 - correct) * ln(1 - clipped)) as log_loss
    from (
        select
            *,
            cast(case when label = predicted_class then 1 else 0 end as {{ double }}) as correct,
            least(greatest(confidence, {{ eps }}), 1 - {{ eps }}) as clipped
        from (
            select model_id, 'bucket' as scope, bucket_start, prediction_id, predicted_class, confidence, label
            from serving
            where confidence is not null
            union all
            select model_id, 'holdout', cast(null as {{ timestamp }}), prediction_id, predicted_class, confidence, label
            from holdout
        ) as scoped
    ) as labelled

),

{#- Equal-count bins without sorting every row of every group (a bucket, its week, each for
    its class and for all): the counts per narrow confidence interval (fine_bin, of width
    1/fine_bins; pass 1) place each interval's rows at ranks n_before + 1 .. n_before + n,
    so an interval whose first and last ranks fall in the same bin lies in it whole, and
    only the rows of the few intervals a bin edge crosses are ranked (pass 2). Confidence
    orders the intervals, so ranks inside them give the order by confidence and then
    prediction_id. The statistics are sums, minima and maxima: an interval's are summed
    from its rows once, and each group's from its buckets' -#}

{#- a row's groups: its bucket's (or the holdout's) and its week's, each for its class and
    for all; `in_groups` reads a relation of bucket rows into them -#}
{%- set group_keys = 'model_id, scope, bucket_start, predicted_class' %}
{%- set week = ml_monitor.bucket_start('bucket_start', 'week') %}
{%- set in_groups -%}
    {%- for scope, start, class in [('scope', 'bucket_start', 'predicted_class'), ('scope', 'bucket_start', "'__all__'"),
                                    ("'week'", week, 'predicted_class'), ("'week'", week, "'__all__'")] %}
    select model_id, {{ scope }} as scope, {{ start }} as bucket_start, {{ class }} as predicted_class, {columns}
    from {relation}
    {%- if scope == "'week'" %}
    where scope = 'bucket'
    {%- endif %}
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
{%- endset %}
{%- set interval_sums = 'fine_bin, n, min_confidence, max_confidence, sum_confidence, n_correct, sum_squared_error, '
    ~ 'sum_squared_error_squared, sum_log_loss' %}
{#- the holdout's groups have no bucket_start: a stand-in for the joins -#}
{%- set no_bucket = "cast('1970-01-01 00:00:00' as " ~ timestamp ~ ")" %}

bucket_intervals as (

    select
        model_id, scope, bucket_start, predicted_class, fine_bin,
        count(*) as n,
        min(confidence) as min_confidence,
        max(confidence) as max_confidence,
        sum(confidence) as sum_confidence,
        sum(correct) as n_correct,
        sum(squared_error) as sum_squared_error,
        sum(squared_error_squared) as sum_squared_error_squared,
        sum(log_loss) as sum_log_loss
    from scored
    group by model_id, scope, bucket_start, predicted_class, fine_bin

),

intervals as (

    select
        {{ group_keys }}, fine_bin,
        sum(n) as n,
        min(min_confidence) as min_confidence,
        max(max_confidence) as max_confidence,
        sum(sum_confidence) as sum_confidence,
        sum(n_correct) as n_correct,
        sum(sum_squared_error) as sum_squared_error,
        sum(sum_squared_error_squared) as sum_squared_error_squared,
        sum(sum_log_loss) as sum_log_loss
    from ({{ in_groups | replace('{relation}', 'bucket_intervals') | replace('{columns}', interval_sums) }}) as grouped
    group by {{ group_keys }}, fine_bin

),

{#- ntile's bins: the first n_large = n mod bins hold q + 1 = floor(n / bins) + 1 rows, the
    others q; bin_at is the bin of the k-th row (1-based; floors of quotients of integers far
    below 2^53, exact in doubles) -#}
{%- set bin_at -%}
    case when {k} <= n_large * (q + 1)
         then cast(floor(({k} - 1) / cast(q + 1 as {{ double }})) as {{ bigint }}) + 1
         else n_large + cast(floor(({k} - 1 - n_large * (q + 1)) / cast(nullif(q, 0) as {{ double }})) as {{ bigint }}) + 1
    end
{%- endset %}

ranked_intervals as (

    select
        *,
        cast(floor(n_group / cast({{ bins }} as {{ double }})) as {{ bigint }}) as q,
        n_group - {{ bins }} * cast(floor(n_group / cast({{ bins }} as {{ double }})) as {{ bigint }}) as n_large
    from (
        select
            *,
            sum(n) over (partition by {{ group_keys }} order by fine_bin
                         rows between unbounded preceding and current row) - n as n_before,
            sum(n) over (partition by {{ group_keys }}) as n_group
        from intervals
    ) as cumulative

),

placed_intervals as (

    select *, {{ bin_at | replace('{k}', 'n_before + 1') }} as first_bin, {{ bin_at | replace('{k}', 'n_before + n') }} as last_bin
    from ranked_intervals

),

{#- pass 2: the rows of the intervals a bin edge crosses, ranked inside their interval -#}
split_rows as (

    select
        r.*, i.n_before, i.q, i.n_large,
        row_number() over (
            partition by r.model_id, r.scope, r.bucket_start, r.predicted_class, r.fine_bin
            order by r.confidence, r.prediction_id
        ) as rank_in_interval
    from ({{ in_groups | replace('{relation}', 'scored')
             | replace('{columns}', 'fine_bin, prediction_id, confidence, correct, squared_error, squared_error_squared, log_loss') }}) as r
    inner join placed_intervals as i
        on i.model_id = r.model_id and i.scope = r.scope
        and coalesce(i.bucket_start, {{ no_bucket }}) = coalesce(r.bucket_start, {{ no_bucket }})
        and i.predicted_class = r.predicted_class and i.fine_bin = r.fine_bin
        and i.first_bin < i.last_bin

),

binned as (

    select
        {{ group_keys }}, first_bin as bin, n, min_confidence, max_confidence, sum_confidence, n_correct,
        sum_squared_error, sum_squared_error_squared, sum_log_loss
    from placed_intervals
    where first_bin = last_bin
    union all
    select
        {{ group_keys }}, {{ bin_at | replace('{k}', 'n_before + rank_in_interval') }}, 1, confidence, confidence, confidence,
        correct, squared_error, squared_error_squared, log_loss
    from split_rows

)

select
    model_id,
    scope,
    bucket_start,
    predicted_class,
    cast(bin as integer) as bin,
    cast(sum(n) as {{ dbt.type_bigint() }}) as n,
    min(min_confidence) as min_confidence,
    max(max_confidence) as max_confidence,
    sum(sum_confidence) / cast(sum(n) as {{ double }}) as mean_confidence,
    sum(n_correct) / cast(sum(n) as {{ double }}) as accuracy,
    sum(sum_confidence) as sum_confidence,
    sum(n_correct) as n_correct,
    sum(sum_squared_error) as sum_squared_error,
    sum(sum_squared_error_squared) as sum_squared_error_squared,
    sum(sum_log_loss) as sum_log_loss,
    {{ ml_monitor.config_version_literal(config_version) }} as config_version
from binned
group by model_id, scope, bucket_start, predicted_class, bin
