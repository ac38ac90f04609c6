{#- Counts of every value of every monitored feature in the reference split, per model. -#}
with reference_rows as (

    select *
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(var('ml_monitor_reference_split')) }}

),

feature_rows as (

    {{ ml_monitor.with_text_oov_share('reference_rows') }}

)

{{ ml_monitor.feature_value_counts('feature_rows', ['model_id'], ml_monitor.feature_specs()) }}
