{#- The earliest predicted_at the monitors accept (var ml_monitor_min_predicted_at, UTC) as
    a SQL timestamp, or none when the var is null. Older rows are placeholders (epoch 0,
    1900-01-01) or misparsed dates rather than predictions: kept, five of them would
    stretch every series over decades of empty buckets. -#}
{% macro min_predicted_at() %}
  {%- set value = ml_monitor.setting('ml_monitor_min_predicted_at') -%}
  {%- if value is none -%}{{ return(none) }}{%- endif -%}
  {%- set text = value | string -%}
  {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?', text) -%}
    {{ exceptions.raise_compiler_error("ml_monitor: var ml_monitor_min_predicted_at must be a UTC date or timestamp"
        ~ " such as '2000-01-01' or '2024-03-01 12:00:00' (or null for no limit), not '" ~ text ~ "'") }}
  {%- endif -%}
  {{- return('cast(' ~ ml_monitor.string_literal(text | replace('T', ' ')) ~ ' as ' ~ dbt.type_timestamp() ~ ')') -}}
{% endmacro %}
