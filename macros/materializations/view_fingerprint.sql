{#- The fingerprint stored with a view (ml_monitor_view) and the one this run would store,
    as {'stored': ..., 'current': ...}, or none where the warehouse keeps none (then the view
    is re-created every run). The compiled SQL is the whole fingerprint: PostgreSQL binds a
    view to its tables when it is created and drops it with them, and DuckDB (1.5 on) binds
    a view when it is queried, whatever the column types of what it reads are by then. -#}
{% macro view_fingerprint(relation, sql) %}
  {%- set stored = ml_monitor.stored_fingerprints([relation], views_only=true) -%}
  {{- return(none if stored is none else {'stored': stored[0], 'current': 'ml_monitor ' ~ local_md5(sql)}) -}}
{% endmacro %}
