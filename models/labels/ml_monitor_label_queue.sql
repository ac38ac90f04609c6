{#- Which predictions to send for labelling, per model and reason (the seed's tagging advice),
    drawn from the last ml_monitor_label_queue_buckets buckets:
      least_confident          unlabelled, lowest confidence first
      high_confidence          unlabelled, highest confidence first (negative-sample mining)
      near_threshold           unlabelled, |score − threshold| < band width, closest first
      below_threshold_correct  labelled, score below the threshold yet the label agrees,
                               lowest score first (add back to training and validation)
    Balanced across strata (ml_monitor_label_queue_balance): the predicted classes
    ('classes'), the cohorts — each combination of cohort values, so that small segments get
    labels too ('cohorts') — or both: each stratum's best candidate comes first, then each
    stratum's second, and so on; ties break on prediction_id. priority 1 is the first to
    label; at most ml_monitor_label_queue_size rows per model and reason. -#}
{%- set text = ml_monitor.setting('ml_monitor_text_column') -%}
{%- set width = ml_monitor.setting('ml_monitor_band_width') -%}
{%- set balance = ml_monitor.setting('ml_monitor_label_queue_balance') -%}
{%- if balance not in ['classes', 'cohorts', 'both'] -%}
  {{ exceptions.raise_compiler_error("ml_monitor: var ml_monitor_label_queue_balance is '" ~ balance
      ~ "'; it must be classes, cohorts or both") }}
{%- endif -%}
{#- a row's cohorts as one text, e.g. channel=chat, country=DE ('__all__' without cohorts) -#}
{%- set cohort_parts = [] -%}
{%- for name in ml_monitor.cohort_columns() -%}
  {%- do cohort_parts.append(ml_monitor.string_literal(name ~ '=') ~ ' || coalesce(cast(p.'
      ~ ml_monitor.quote_identifier(name)
        ~ ' as ' ~ dbt.type_string() ~ '), ' ~ ml_monitor.string_literal(ml_monitor.reserved_values().null) ~ ')') -%}
{%- endfor -%}
{%- set cohorts = cohort_parts | join(" || ', ' || ") if cohort_parts
    else ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
{%- set stratum = {'classes': 'p.predicted_class', 'cohorts': cohorts,
                   'both': "p.predicted_class || ' | ' || " ~ cohorts}[balance] -%}

{#- the latest buckets come from the base table, not from another pass over the log -#}
{%- set base = ref('ml_monitor_base_stats') %}

{#- each candidate once per reason it qualifies for, ranked on narrow rows (keys and sort
    key), the rest of each chosen row joined back after; read twice as a subquery rather
    than a CTE, which DuckDB would materialize (1.5 M rows at 111 k predictions a day) -#}
{%- set reasons %}
    select model_id, 'least_confident' as reason, stratum, prediction_id, confidence as sort_key
    from candidates where label is null
    union all
    select model_id, 'high_confidence', stratum, prediction_id, -confidence
    from candidates where label is null
    union all
    select model_id, 'near_threshold', stratum, prediction_id, abs(score - threshold)
    from candidates where label is null and abs(score - threshold) < {{ width }}
    union all
    select model_id, 'below_threshold_correct', stratum, prediction_id, score
    from candidates where label is not null and score < threshold and label = predicted_class
{%- endset %}

with latest_bucket as (

    select model_id, max(bucket_start) as last_bucket
    from {{ base }}
    group by model_id

),

candidates as (

    select
        p.model_id,
        p.prediction_id,
        p.predicted_at,
        p.bucket_start,
        p.predicted_class,
        {{ stratum }} as stratum,
        p.confidence,
        p.score,
        coalesce(l.label, p.label) as label,
        coalesce(t.threshold, {{ ml_monitor.setting('ml_monitor_default_threshold') }}) as threshold,
        case when t.threshold is null then 'default' else 'fitted' end as threshold_source
        {%- if text %},
        p.{{ ml_monitor.quote_identifier(text) }} as input_text
        {%- endif %}
    from (
        {{ ml_monitor.monitored_predictions(ml_monitor.recent_buckets_filter(base,
            ml_monitor.setting('ml_monitor_label_queue_buckets') - 1)) }}
    ) as p
    inner join latest_bucket as b
        on b.model_id = p.model_id
    left join {{ ref('stg_ml_monitor__labels') }} as l
        on l.prediction_id = p.prediction_id
    left join {{ ref('ml_monitor_fitted_thresholds') }} as t
        on {{ ml_monitor.threshold_match('t', 'p') }}
    where p.bucket_start > {{ ml_monitor.shift_buckets(-ml_monitor.setting('ml_monitor_label_queue_buckets'),
        'b.last_bucket') }}

),

stratum_cutoffs as (

    -- the size-th smallest sort key per reason and stratum: a numeric top-N that engines
    -- answer without sorting every candidate; ties at the cutoff are kept below
    select model_id, reason, stratum, max(sort_key) as cutoff
    from (
        select
            model_id, reason, stratum, sort_key,
            row_number() over (partition by model_id, reason, stratum order by sort_key) as key_rank
        from ({{ reasons }}) as reasons
    ) as keys
    where key_rank <= {{ ml_monitor.setting('ml_monitor_label_queue_size') }}
    group by model_id, reason, stratum

),

stratum_ranked as (

    select
        r.*,
        row_number() over (partition by r.model_id, r.reason, r.stratum order by r.sort_key,
            r.prediction_id) as stratum_rank
    from ({{ reasons }}) as r
    inner join stratum_cutoffs as k
        on k.model_id = r.model_id and k.reason = r.reason and k.stratum = r.stratum
        and r.sort_key <= k.cutoff

),

prioritized as (

    -- a row past stratum rank `size` can never be within the first `size` priorities
    select
        *,
        row_number() over (partition by model_id, reason order by stratum_rank, sort_key, stratum,
            prediction_id) as priority
    from stratum_ranked
    where stratum_rank <= {{ ml_monitor.setting('ml_monitor_label_queue_size') }}

)

select
    q.model_id,
    q.prediction_id,
    q.reason,
    q.priority,
    q.stratum,
    q.stratum_rank,
    c.predicted_class,
    c.confidence,
    c.score,
    c.threshold,
    c.threshold_source,
    c.label,
    c.predicted_at,
    c.bucket_start
    {%- if text %},
    c.input_text
    {%- endif %}
from prioritized as q
inner join candidates as c
    on c.model_id = q.model_id and c.prediction_id = q.prediction_id
where q.priority <= {{ ml_monitor.setting('ml_monitor_label_queue_size') }}
