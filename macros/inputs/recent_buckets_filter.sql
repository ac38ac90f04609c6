{#- In an incremental run, keep rows of the last ml_monitor_lookback_buckets buckets already
    in the table and anything newer: late rows land in a recomputed bucket. -#}
{% macro recent_buckets_filter(column='bucket_start') -%}
    {{ column }} >= (
        select {{ ml_monitor.shift_buckets(-var('ml_monitor_lookback_buckets'), 'max(bucket_start)') }}
        from {{ this }}
    )
{%- endmacro %}
