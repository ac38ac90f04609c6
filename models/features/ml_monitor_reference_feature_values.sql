{#- Counts of every value of every monitored feature in the reference split, per model. -#}
{{ config(materialized='ml_monitor_reference_table') }}
{%- set training_rows = 'split = ' ~ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_reference_split')) -%}
{%- do ml_monitor.check_reserved_values(ref('stg_ml_monitor__reference'), ml_monitor.categorical_feature_checks(),
                                       source('ml_monitor', 'reference'), training_rows) %}

with reference_rows as (

    select *
    from {{ ref('stg_ml_monitor__reference') }}
    where {{ training_rows }}

),

feature_rows as (

    {{ ml_monitor.with_text_statistics('reference_rows') }}

)

select *
from (
    {{ ml_monitor.feature_value_counts('feature_rows', ['model_id'], ml_monitor.feature_specs()) }}
) as counts
