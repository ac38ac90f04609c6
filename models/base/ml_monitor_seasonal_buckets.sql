{#- Each bucket's earlier buckets at the same point of the week (daily grain: the same
    weekday; hourly: the same hour of the week; weekly: the previous weeks) over the last
    ml_monitor_seasonal_weeks weeks: the seasonal reference of the class and label mix
    (macro seasonal_guard). Counted on the bucket spine, so an empty bucket takes its place;
    empty when the var is 0. -#}
{%- set season = ml_monitor.season_buckets() -%}
{%- set weeks = ml_monitor.setting('ml_monitor_seasonal_weeks') -%}
{%- if weeks is not integer or weeks < 0 %}
{{ exceptions.raise_compiler_error("ml_monitor: var ml_monitor_seasonal_weeks must be a whole number of weeks"
                                   ~ " (0: off), not '" ~ weeks ~ "'") }}
{%- endif %}

with spine as (

    select model_id, bucket_start, row_number() over (partition by model_id order by bucket_start) as bucket_index
    from {{ ref('ml_monitor_bucket_spine') }}

)

select
    bucket.model_id,
    bucket.bucket_start,
    earlier.bucket_start as seasonal_bucket_start
from spine as bucket
inner join spine as earlier
    on earlier.model_id = bucket.model_id
    and earlier.bucket_index < bucket.bucket_index
    and earlier.bucket_index >= bucket.bucket_index - {{ season * weeks }}
    and mod(bucket.bucket_index - earlier.bucket_index, {{ season }}) = 0
