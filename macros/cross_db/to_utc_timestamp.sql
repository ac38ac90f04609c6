{#- A time-zone-aware timestamp (TIMESTAMP WITH TIME ZONE, now()) as a plain timestamp of
    its UTC wall-clock time, whatever the session's time zone. A plain cast would use the
    session's TimeZone (DuckDB and PostgreSQL both do), so the same instant would land in
    different buckets for different sessions. Only for time-zone-aware expressions: a
    plain timestamp is already UTC by contract and is just cast. -#}
{% macro to_utc_timestamp(expr) %}
  {{- return(adapter.dispatch('to_utc_timestamp', 'ml_monitor')(expr)) -}}
{% endmacro %}

{% macro default__to_utc_timestamp(expr) -%}
  cast(({{ expr }}) at time zone 'UTC' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(expr) -%}
  cast(timezone('UTC', {{ expr }}) as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro spark__to_utc_timestamp(expr) -%}
  {#- Spark timestamps are instants shown in the session time zone: shift the instant so
      that the session shows its UTC wall-clock time. -#}
  to_utc_timestamp({{ expr }}, current_timezone())
{%- endmacro %}
