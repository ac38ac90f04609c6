{#- "Now" for the log-health monitors as a UTC timestamp expression: var ml_monitor_now when
    set (replays and tests are deterministic), else the run's current time. The value
    'log_end' replays a log as of the end of its last bucket: nothing is stale or missing
    after it, so a backfill of an old log judges only what the log holds. -#}
{% macro run_now() %}
  {%- set now = ml_monitor.setting('ml_monitor_now') -%}
  {%- if now == 'log_end' -%}
    {#- the log's counts, incremental, rather than every row of the log -#}
    {%- set last_bucket = '(select max(bucket_start) from ' ~ ref('ml_monitor_log_counts')
          ~ ' where exclusion_reason is null and column_name is null)' -%}
    {{- return(ml_monitor.shift_buckets(1, last_bucket)) -}}
  {%- elif now -%}
    {{- return('cast(' ~ ml_monitor.string_literal(now) ~ ' as ' ~ dbt.type_timestamp() ~ ')') -}}
  {%- endif -%}
  {{- return(ml_monitor.to_utc_timestamp(dbt.current_timestamp())) -}}
{% endmacro %}
