{#- Predictions per band of width w around the decision threshold t, per model, bucket,
    cohort and predicted class: band k holds scores in [t + k·w, t + (k+1)·w), bounds
    clipped to [0, 1]. The threshold is the fitted one (ml-monitor fit-thresholds) where it
    exists, else ml_monitor_default_threshold; threshold_source says which. A view: one
    filter and join of the base stats, read by the report alone, while a table rewrote its
    rows of every bucket each run (the largest table a daily run rewrote). -#}
{{ config(materialized='ml_monitor_view') }}
{%- set width = ml_monitor.setting('ml_monitor_band_width') -%}

with bands as (

    select *
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'band'

),

class_totals as (

    select model_id, bucket_start, cohort_name, cohort_value, predicted_class, n as n_class
    from {{ ref('ml_monitor_base_stats') }}
    where row_kind = 'class' and predicted_class <> '__all__'

)

select
    b.model_id,
    b.bucket_start,
    b.cohort_name,
    b.cohort_value,
    b.predicted_class,
    b.band,
    b.threshold,
    b.threshold_source,
    greatest(0.0, least(1.0, b.threshold + b.band * {{ width }})) as band_lower,
    greatest(0.0, least(1.0, b.threshold + (b.band + 1) * {{ width }})) as band_upper,
    b.n,
    cast(b.n as {{ ml_monitor.type_double() }}) / t.n_class as share,
    b.band in (-1, 0) as near_threshold,
    b.n_near_threshold
from bands as b
inner join class_totals as t
    on {{ ml_monitor.same_series('t', 'b', ['predicted_class']) }}
