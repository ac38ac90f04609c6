{#- Whether the performance estimator can be trusted, per model and labelled bucket: over
    the model's last ml_monitor_estimator_check_buckets buckets with labels (up to and
    including this one), how many had the whole population's realised accuracy outside its
    checking band (ml_monitor_estimated_metrics). If the estimate is right, each does with
    probability p0 = 2·P(Z > ml_monitor_estimate_band_z); the evidence is the binomial upper
    tail P(X ≥ misses), X ~ Binomial(checks, p0). The decision (estimator_unreliable) is made
    in ml_monitor_alert_tests. -#}
{%- set window = ml_monitor.setting('ml_monitor_estimator_check_buckets') -%}

with checks as (

    select
        model_id,
        bucket_start,
        case when is_within_checking_band then 0 else 1 end as is_miss
    from {{ ref('ml_monitor_estimated_metrics') }}
    where metric = 'accuracy' and cohort_name = '__all__' and is_within_checking_band is not null

),

{%- set recent = "over (partition by model_id order by bucket_start rows between " ~ (window - 1)
    ~ " preceding and current row)" %}
windowed as (

    select
        model_id,
        bucket_start,
        is_miss,
        count(*) {{ recent }} as n_checks,
        sum(is_miss) {{ recent }} as n_misses,
        {{ ml_monitor.normal_sf(ml_monitor.setting('ml_monitor_estimate_band_z')) }} * 2 as miss_probability
    from checks

)

select
    model_id,
    bucket_start,
    is_miss,
    cast(n_checks as integer) as n_checks,
    cast(n_misses as integer) as n_misses,
    cast(n_misses as {{ ml_monitor.type_double() }}) / n_checks as miss_share,
    miss_probability,
    {{ ml_monitor.binomial_sf('n_misses', 'n_checks', 'miss_probability', window) }} as p_value,
    cast(null as {{ dbt.type_string() }}) as evidence_note
from windowed
