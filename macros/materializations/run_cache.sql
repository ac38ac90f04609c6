{#- A dict for this dbt invocation, shared by every node it runs: dbt hands each node the
    same `graph` object for the whole invocation (elementary keeps its caches there too).
    What one query answers for the whole run (the relations' stored fingerprints, the
    reference's data hash) is then asked once, not once per model. Keyed by invocation_id,
    so that a process invoking dbt again starts afresh. -#}
{% macro run_cache() %}
  {%- set caches = graph.setdefault('ml_monitor_run_cache', {}) -%}
  {{- return(caches.setdefault(invocation_id, {})) -}}
{% endmacro %}
